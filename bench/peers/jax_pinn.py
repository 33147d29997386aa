#!/usr/bin/env python3
"""JAX peer of annsvd's Adam step, for bench/cpu.sh (CPU) and bench/gpu.sh (GPU).

One jit-compiled, full-batch Adam step (loss, gradients, update) of the PINN of annsvd's
bench presets; problems, points, network and initial weights are those of pinn_common.py
(shared with torch_pinn.py):
  burgers        2 → [width]*depth → 1 (or --widths), soft boundary/initial losses, 3020 points;
  poisson-paper  2 → 50 → 70 → 1 (--widths 50,70), hard constraint, Laplacian, 32 000 points.
Input derivatives per point under jax.vmap: by default forward mode (nested jax.jvp, several
times faster here than --deriv reverse, jax.grad / jax.hessian). Adam lr 1e-3.
--lowrank R factorises hidden-to-hidden maps as ((h·U)·diag(s))·Vᵀ (+ b unless --svd-no-bias);
--dtype float64 turns on jax_enable_x64.

  python bench/peers/jax_pinn.py --problem burgers --width 20 --depth 3 --dtype float64
  python bench/peers/jax_pinn.py --problem poisson-paper --widths 50,70 --lowrank 3 \
      --lowrank-layers 1 --svd-no-bias

Threads: JAX's defaults (XLA's CPU thread pool, one thread per visible core; XLA_FLAGS as
found in the environment, reported in the result). Prints one line: RESULT_JSON {...} with
compile_s (wall time of the first call: trace + compile + one step), loss0 (loss at the
initial weights) and the median/p10/p90 ms per step of --time-only steps after --warmup steps.
"""
import argparse
import os
import sys

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pinn_common as pc  # noqa: E402

pc.add_args(p, warmup=20, time_only=200)
p.add_argument("--deriv", choices=["forward", "reverse"], default="forward",
               help="input derivatives: forward (nested jax.jvp, the faster here) or reverse (jax.grad / jax.hessian)")
args = p.parse_args()

import json, math, time  # noqa: E402,E401
import numpy as np  # noqa: E402
import jax  # noqa: E402

if args.dtype == "float64":
    jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

DT = {"float32": jnp.float32, "float64": jnp.float64}[args.dtype]
widths = pc.widths_of(args)
svd = pc.svd_layers(args, widths)
init = pc.init_params(widths, svd, args.lowrank, not args.svd_no_bias, args.seed)
params = [{k: jnp.asarray(a, dtype=DT) for k, a in layer.items()} for layer in init]
E = jnp.eye(2, dtype=DT)  # unit tangents along the two coordinates


def net(ps, x):
    """Network output at one point x (shape [2]) as a scalar."""
    h = x
    for i, q in enumerate(ps):
        h = ((h @ q["u"]) * q["s"]) @ q["v"].T if "u" in q else h @ q["w"]
        if "b" in q:
            h = h + q["b"]
        if i < len(ps) - 1:
            h = jnp.tanh(h)
    return h[0]


if args.problem == "burgers":
    pts, NB, NI = pc.burgers_points(args.seed)
    X = jnp.asarray(pts, dtype=DT)
    Xb, Xi = X[:NB], X[NB:NB + NI]
    ic_target = -jnp.sin(math.pi * Xi[:, 0])

    def loss(ps):
        u = lambda x: net(ps, x)  # noqa: E731

        def residual(x):
            if args.deriv == "forward":
                uv, u_t = jax.jvp(u, (x,), (E[1],))
                u_x, u_xx = jax.jvp(lambda y: jax.jvp(u, (y,), (E[0],))[1], (x,), (E[0],))
            else:
                du = jax.grad(u)
                uv, (u_x, u_t) = u(x), du(x)
                u_xx = jax.grad(lambda y: du(y)[0])(x)[0]
            return u_t + uv * u_x - pc.NU * u_xx

        r = jax.vmap(residual)(X)
        ub = jax.vmap(u)(Xb)
        ui = jax.vmap(u)(Xi)
        return jnp.mean(r ** 2) + jnp.mean(ub ** 2) + jnp.mean((ui - ic_target) ** 2)
else:
    X = jnp.asarray(pc.poisson_points(), dtype=DT)
    xs, ys = X[:, 0], X[:, 1]
    f = 10 * (xs - 1) * jnp.cos(5 * ys) - 25 * (xs - 1) * (ys - 1) * jnp.sin(5 * ys)

    def loss(ps):
        def u(z):
            x, y = z[0], z[1]
            return (1 - x) * (1 - y) * jnp.sin(5 * y) + x * (1 - x) * y * (1 - y) * net(ps, z)

        def laplacian(z):
            if args.deriv == "forward":  # Σᵢ ∂²u/∂zᵢ² by forward over forward mode
                d2 = lambda e: jax.jvp(lambda w: jax.jvp(u, (w,), (e,))[1], (z,), (e,))[1]  # noqa: E731
                return d2(E[0]) + d2(E[1])
            return jnp.trace(jax.hessian(u)(z))

        lap = jax.vmap(laplacian)(X)
        return jnp.mean((lap - f) ** 2)

lr, b1, b2, eps = args.lr, 0.9, 0.999, 1e-8
tmap = jax.tree_util.tree_map
m = tmap(jnp.zeros_like, params)
v = tmap(jnp.zeros_like, params)


@jax.jit
def step(ps, m, v, t):
    l, g = jax.value_and_grad(loss)(ps)
    m = tmap(lambda a, b: b1 * a + (1 - b1) * b, m, g)
    v = tmap(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    ps = tmap(lambda p_, a, b: p_ - lr * (a / c1) / (jnp.sqrt(b / c2) + eps), ps, m, v)
    return ps, m, v, l


t = jnp.asarray(1, dtype=DT)
t0 = time.perf_counter()
params, m, v, l = step(params, m, v, t)
l.block_until_ready()
compile_s = time.perf_counter() - t0
loss0 = float(l)
for _ in range(args.warmup):
    t = t + 1
    params, m, v, l = step(params, m, v, t)
l.block_until_ready()
ts = []
for _ in range(args.time_only):
    t = t + 1
    t0 = time.perf_counter()
    params, m, v, l = step(params, m, v, t)
    l.block_until_ready()
    ts.append(time.perf_counter() - t0)
out = {"engine": "jax", **pc.describe(args, widths, svd), "params": pc.count_params(init),
       "deriv": args.deriv, "jax": jax.__version__, "device": str(jax.devices()[0]), "xla_flags": os.environ.get("XLA_FLAGS", ""),
       "warmup": args.warmup, "compile_s": compile_s, "loss0": loss0, "loss_last": float(l), **pc.stats_ms(ts)}
print("RESULT_JSON " + json.dumps(out), flush=True)

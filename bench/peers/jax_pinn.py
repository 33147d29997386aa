#!/usr/bin/env python3
"""JAX peer of annsvd's Burgers PINN step, for the GPU benchmark (bench/gpu.sh).

Same setup as ../../shared/peers/torch_pinn.py and annsvd's burgers presets:
  u_t + u u_x − (0.01/π) u_xx = 0 on [−1,1]×[0,0.99], u(x,0) = −sin πx, u(±1,t) = 0;
  net 2 → [width]*depth → 1, tanh, float32; 2540 Hammersley + 80 boundary + 160 initial points,
  PDE residual on all 2780; Adam lr 1e-3; one jit-compiled step (loss, grads, update).
--lowrank R factorises the hidden-to-hidden maps as U(w×R) diag(s) Vᵀ(R×w) + b.
Prints one line: RESULT_JSON {...} with the median/p10/p90 ms per step after warm-up.
"""
import argparse, json, math, time

p = argparse.ArgumentParser()
p.add_argument("--width", type=int, default=20)
p.add_argument("--depth", type=int, default=3)
p.add_argument("--lowrank", type=int, default=0)
p.add_argument("--lowrank-layers", default="all")
p.add_argument("--time-only", type=int, default=200)
p.add_argument("--warmup", type=int, default=20)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()

import numpy as np
import jax, jax.numpy as jnp

NU = 0.01 / math.pi

def vdc(idx, base=2):
    idx = np.asarray(idx).copy(); out = np.zeros(len(idx)); b = float(base)
    active = np.ones(len(idx), bool)
    while active.any():
        out[active] += (idx[active] % base) / b
        idx //= base; b *= base; active = idx > 0
    return out

def points(rng):
    m = 2541
    h = np.stack([vdc(np.arange(m)), np.linspace(0, 1, m + 1)[:-1]], 1)[1:]
    dom = np.stack([-1 + 2 * h[:, 0], 0.99 * h[:, 1]], 1)
    bc = np.stack([rng.choice([-1.0, 1.0], 80), rng.permutation(0.99 * vdc(np.arange(1, 81)))], 1)
    ic = np.stack([-1 + 2 * vdc(np.arange(1, 161)), np.zeros(160)], 1)
    return np.vstack([bc, ic, dom]).astype(np.float32)

rng = np.random.RandomState(args.seed)
X = jnp.asarray(points(rng))
key = jax.random.PRNGKey(args.seed)
dims = [2] + [args.width] * args.depth + [1]
hh = [i for i in range(len(dims) - 1) if 0 < i < len(dims) - 2]
if args.lowrank_layers == "middle" and hh:
    hh = [hh[len(hh) // 2]]
params = []
for i in range(len(dims) - 1):
    key, k = jax.random.split(key)
    lim = math.sqrt(6 / (dims[i] + dims[i + 1]))
    W = jax.random.uniform(k, (dims[i], dims[i + 1]), jnp.float32, -lim, lim)
    b = jnp.zeros((dims[i + 1],), jnp.float32)
    if args.lowrank and i in hh:
        U, S, Vt = jnp.linalg.svd(W, full_matrices=False)
        r = args.lowrank
        params.append({"u": U[:, :r], "s": S[:r], "v": Vt[:r].T, "b": b})
    else:
        params.append({"w": W, "b": b})

def net(ps, x):
    h = x
    for i, p_ in enumerate(ps):
        h = ((h @ p_["u"]) * p_["s"]) @ p_["v"].T + p_["b"] if "u" in p_ else h @ p_["w"] + p_["b"]
        if i < len(ps) - 1:
            h = jnp.tanh(h)
    return h[0]

def loss(ps):
    u = lambda x: net(ps, x[None, :])
    def res(x):
        ux, ut = jax.grad(u)(x)
        uxx = jax.grad(lambda y: jax.grad(u)(y)[0])(x)[0]
        return ut + u(x) * ux - NU * uxx
    r = jax.vmap(res)(X)
    ub = jax.vmap(u)(X[:80])
    ui = jax.vmap(u)(X[80:240])
    return jnp.mean(r ** 2) + jnp.mean(ub ** 2) + jnp.mean((ui + jnp.sin(math.pi * X[80:240, 0])) ** 2)

lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
m = jax.tree_util.tree_map(jnp.zeros_like, params)
v = jax.tree_util.tree_map(jnp.zeros_like, params)

@jax.jit
def step(ps, m, v, t):
    l, g = jax.value_and_grad(loss)(ps)
    m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
    v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
    mh = jax.tree_util.tree_map(lambda a: a / (1 - b1 ** t), m)
    vh = jax.tree_util.tree_map(lambda a: a / (1 - b2 ** t), v)
    ps = jax.tree_util.tree_map(lambda p_, a, b: p_ - lr * a / (jnp.sqrt(b) + eps), ps, mh, vh)
    return ps, m, v, l

t0 = time.perf_counter()
params, m, v, l = step(params, m, v, 1.0); l.block_until_ready()
compile_s = time.perf_counter() - t0
for t in range(2, args.warmup + 2):
    params, m, v, l = step(params, m, v, float(t))
l.block_until_ready()
ts = []
for t in range(args.time_only):
    t0 = time.perf_counter()
    params, m, v, l = step(params, m, v, float(t + args.warmup + 2)); l.block_until_ready()
    ts.append(time.perf_counter() - t0)
ts = np.array(ts) * 1e3
print("RESULT_JSON " + json.dumps({"width": args.width, "depth": args.depth, "lowrank": args.lowrank,
      "lowrank_layers": args.lowrank_layers if args.lowrank else None, "device": str(jax.devices()[0]),
      "compile_s": compile_s, "ms_median": float(np.median(ts)), "ms_p10": float(np.percentile(ts, 10)),
      "ms_p90": float(np.percentile(ts, 90)), "n": len(ts)}))

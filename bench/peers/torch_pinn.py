#!/usr/bin/env python3
"""PyTorch (eager, CPU) peer of annsvd's Adam step, for bench/cpu.sh.

One full-batch Adam step (loss, gradients, update) of the PINN of annsvd's bench presets;
problems, points, network and initial weights are those of pinn_common.py (shared with
jax_pinn.py). Input derivatives by torch.autograd.grad(create_graph=True).

  /usr/bin/python3 bench/peers/torch_pinn.py --problem burgers --width 20 --depth 3 --dtype float64
  /usr/bin/python3 bench/peers/torch_pinn.py --problem poisson-paper --widths 50,70 \
      --lowrank 3 --lowrank-layers 1 --svd-no-bias

Threads: torch.set_num_threads(--threads, default 2); OpenBLAS gets --blas-threads (default 1,
so that its threads and torch's OpenMP threads do not fight over 2 cores).
Prints one line: RESULT_JSON {...} with compile_s (the first step, for symmetry with the other
engines: eager torch compiles nothing), loss0 (loss at the initial weights), and the
median/p10/p90 ms per step of --time-only steps after --warmup steps.
"""
import argparse
import os
import sys

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pinn_common as pc  # noqa: E402

pc.add_args(p, warmup=20, time_only=200)
p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
p.add_argument("--blas-threads", type=int, default=1, help="OPENBLAS_NUM_THREADS (set before torch loads)")
args = p.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)

import json, math, time  # noqa: E402,E401
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(args.threads)
DT = {"float32": torch.float32, "float64": torch.float64}[args.dtype]
widths = pc.widths_of(args)
svd = pc.svd_layers(args, widths)
init = pc.init_params(widths, svd, args.lowrank, not args.svd_no_bias, args.seed)
params = [{k: torch.nn.Parameter(torch.tensor(a, dtype=DT)) for k, a in layer.items()} for layer in init]
flat = [t for layer in params for t in layer.values()]


def net(h):
    last = len(params) - 1
    for i, q in enumerate(params):
        if "u" in q:
            h = ((h @ q["u"]) * q["s"]) @ q["v"].T
        else:
            h = h @ q["w"]
        if "b" in q:
            h = h + q["b"]
        if i < last:
            h = torch.tanh(h)
    return h


def grad(y, x):
    return torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True)[0]


if args.problem == "burgers":
    pts, NB, NI = pc.burgers_points(args.seed)
    X = torch.tensor(pts, dtype=DT)
    Xb, Xi = X[:NB].clone(), X[NB:NB + NI].clone()
    ic_target = -torch.sin(math.pi * Xi[:, 0:1])

    def loss_fn():
        x = X[:, 0:1].clone().requires_grad_(True)
        t = X[:, 1:2].clone().requires_grad_(True)
        u = net(torch.cat([x, t], 1))
        u_x, u_t = grad(u, x), grad(u, t)
        u_xx = grad(u_x, x)
        r = u_t + u * u_x - pc.NU * u_xx
        # boundary and initial terms on their own points (value only), as annsvd's terms
        return (r ** 2).mean() + (net(Xb) ** 2).mean() + ((net(Xi) - ic_target) ** 2).mean()
else:
    X = torch.tensor(pc.poisson_points(), dtype=DT)
    x0, y0 = X[:, 0:1], X[:, 1:2]
    f = 10 * (x0 - 1) * torch.cos(5 * y0) - 25 * (x0 - 1) * (y0 - 1) * torch.sin(5 * y0)

    def loss_fn():
        x = x0.clone().requires_grad_(True)
        y = y0.clone().requires_grad_(True)
        n = net(torch.cat([x, y], 1))
        u = (1 - x) * (1 - y) * torch.sin(5 * y) + x * (1 - x) * y * (1 - y) * n
        u_x, u_y = grad(u, x), grad(u, y)
        lap = grad(u_x, x) + grad(u_y, y)
        return ((lap - f) ** 2).mean()

opt = torch.optim.Adam(flat, lr=args.lr)


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn()
    loss.backward()
    opt.step()
    return loss.detach()


t0 = time.perf_counter()
loss0 = float(step())
compile_s = time.perf_counter() - t0
for _ in range(args.warmup):
    step()
ts = []
for _ in range(args.time_only):
    t0 = time.perf_counter()
    last = step()
    ts.append(time.perf_counter() - t0)
out = {"engine": "torch", **pc.describe(args, widths, svd), "params": pc.count_params(init),
       "torch": torch.__version__, "threads": torch.get_num_threads(), "blas_threads": args.blas_threads,
       "warmup": args.warmup, "compile_s": compile_s, "loss0": loss0,
       "loss_last": float(last) if ts else loss0, **pc.stats_ms(ts)}
print("RESULT_JSON " + json.dumps(out), flush=True)

"""Shared, numpy-only parts of the PINN peers (torch_pinn.py, jax_pinn.py): command-line
options, collocation points, initial weights and timing statistics, so that both peers
train the same network on the same points from the same initial weights.

The problems mirror annsvd's problems/burgers.go and problems/poisson.go:

burgers        u_t + u u_x − (0.01/π) u_xx = 0 on [−1,1]×[0,0.99], u(x,0) = −sin πx, u(±1,t) = 0.
               Points (DeepXDE layout): 2540 Hammersley interior, 80 boundary (x = ±1 at random,
               t = 0.99·Hammersley-1D permuted), 160 initial (x = −1 + 2·Hammersley-1D, t = 0).
               Loss = mean(r²) over all 2780 points (bc, ic, interior) + mean(u²) over the 80
               boundary points + mean((u + sin πx)²) over the 160 initial points: 3020 point
               evaluations, all weights 1 (as `annsvd bench`).
poisson-paper  u_xx + u_yy = f, f = 10(x−1)cos 5y − 25(x−1)(y−1) sin 5y on [0,1]²;
               hard constraint u = (1−x)(1−y) sin 5y + x(1−x)y(1−y)·N(x,y); loss = mean((Δu − f)²)
               over 32 000 points: 80 % of the 200×200 grid i/199, j/199 (annsvd shuffles with
               Go's PCG, here numpy's RandomState(2025): a different but equally random 80 %).

Network 2 → widths → 1, tanh, Glorot-uniform weights, zero biases (numpy RandomState(seed),
so torch and JAX start from identical weights). An SVD layer (--lowrank R on
hidden-to-hidden maps) starts from the thin SVD of its Glorot W truncated to rank R:
z = ((h·U)·diag(s))·Vᵀ (+ b unless --svd-no-bias), U m×R, s R, V n×R, evaluated factored.
"""
import math

import numpy as np

NU = 0.01 / math.pi
BURGERS_TMAX = 0.99


def add_args(p, warmup=20, time_only=200):
    p.add_argument("--problem", choices=["burgers", "poisson-paper"], default="burgers")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--width", type=int, default=20, help="hidden width (with --depth; ignored with --widths)")
    p.add_argument("--depth", type=int, default=3, help="number of hidden layers (ignored with --widths)")
    p.add_argument("--widths", default="", help="hidden widths, e.g. 50,70 (overrides --width/--depth)")
    p.add_argument("--lowrank", type=int, default=0, help="rank R of the SVD hidden-to-hidden maps (0: all dense)")
    p.add_argument("--lowrank-layers", default="all",
                   help="which hidden-to-hidden maps are SVD: 'all', 'middle', or a comma list of 1-based "
                        "indices j (map hidden j → hidden j+1, as annsvd's SVD map)")
    p.add_argument("--svd-no-bias", action="store_true", help="SVD maps have no bias (annsvd's NoBias)")
    p.add_argument("--time-only", type=int, default=time_only, help="timed Adam steps (after warm-up)")
    p.add_argument("--warmup", type=int, default=warmup, help="warm-up steps after the first (compiling) step")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)


def widths_of(args):
    if args.widths:
        return [int(w) for w in args.widths.split(",") if w.strip()]
    return [args.width] * args.depth


def svd_layers(args, widths):
    """Linear-map indices (0 = input map) that are SVD-factorised."""
    if not args.lowrank:
        return []
    hh = list(range(1, len(widths)))  # hidden j → hidden j+1 is linear map j
    spec = args.lowrank_layers.strip()
    if spec == "all":
        return hh
    if spec == "middle":
        return [hh[len(hh) // 2]] if hh else []
    out = sorted({int(j) for j in spec.split(",") if j.strip()})
    for j in out:
        if j not in hh:
            raise SystemExit(f"--lowrank-layers: index {j} out of range [1, {len(widths) - 1}]")
    return out


def _vdc(idx, base=2):
    """Base-b radical inverse of each integer in idx."""
    idx = np.asarray(idx, dtype=np.int64).copy()
    out, b = np.zeros(len(idx)), float(base)
    active = idx > 0
    while active.any():
        out[active] += (idx[active] % base) / b
        idx //= base
        b *= base
        active = idx > 0
    return out


def hammersley2d(n):
    """n Hammersley points in [0,1)², first point [0,0] skipped (DeepXDE / annsvd layout)."""
    m = n + 1
    return np.stack([_vdc(np.arange(m)), np.linspace(0, 1, m + 1)[:-1]], 1)[1:]


def hammersley1d(n):
    return _vdc(np.arange(1, n + 1))


def burgers_points(seed):
    """Returns (all, nb, ni): all = [bc; ic; interior] (2780×2), nb = 80, ni = 160."""
    rng = np.random.RandomState(seed)
    h = hammersley2d(2540)
    dom = np.stack([-1 + 2 * h[:, 0], BURGERS_TMAX * h[:, 1]], 1)
    bc = np.stack([rng.choice([-1.0, 1.0], 80), rng.permutation(BURGERS_TMAX * hammersley1d(80))], 1)
    ic = np.stack([-1 + 2 * hammersley1d(160), np.zeros(160)], 1)
    return np.vstack([bc, ic, dom]), 80, 160


def poisson_points():
    """The 32 000 training points (80 % of the 200×200 grid on [0,1]²)."""
    n = 200
    g = np.arange(n) / (n - 1)
    pts = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    perm = np.random.RandomState(2025).permutation(len(pts))
    return pts[perm[: len(pts) * 8 // 10]]


def points_evaluated(problem):
    """Point evaluations per loss (annsvd's "points" column)."""
    return 2780 + 80 + 160 if problem == "burgers" else 32000


def init_params(widths, svd, rank, svd_bias, seed):
    """Per linear map a dict of float64 numpy arrays: {"w","b"} or {"u","s","v"[,"b"]}."""
    rng = np.random.RandomState(seed)
    dims = [2] + list(widths) + [1]
    params = []
    for i in range(len(dims) - 1):
        m, n = dims[i], dims[i + 1]
        a = math.sqrt(6 / (m + n))
        w = rng.uniform(-a, a, size=(m, n))
        if i in svd:
            if not 1 <= rank <= min(m, n):
                raise SystemExit(f"--lowrank {rank} out of range [1, {min(m, n)}] for the {m}×{n} map {i}")
            u, s, vt = np.linalg.svd(w, full_matrices=False)
            p = {"u": u[:, :rank].copy(), "s": s[:rank].copy(), "v": vt[:rank].T.copy()}
            if svd_bias:
                p["b"] = np.zeros(n)
        else:
            p = {"w": w, "b": np.zeros(n)}
        params.append(p)
    return params


def count_params(params):
    return int(sum(a.size for p in params for a in p.values()))


def stats_ms(seconds):
    ts = np.asarray(seconds, dtype=float) * 1e3
    if len(ts) == 0:
        return {"n": 0}
    return {"ms_median": float(np.median(ts)), "ms_p10": float(np.percentile(ts, 10)),
            "ms_p90": float(np.percentile(ts, 90)), "ms_mean": float(ts.mean()), "n": int(len(ts))}


def describe(args, widths, svd):
    return {"problem": args.problem, "dtype": args.dtype, "widths": widths, "lowrank": args.lowrank,
            "svd_layers": svd, "svd_bias": bool(svd) and not args.svd_no_bias,
            "points": points_evaluated(args.problem), "seed": args.seed,
            # kept for the old callers (bench/gpu.sh)
            "width": widths[0] if widths else 0, "depth": len(widths),
            "lowrank_layers": args.lowrank_layers if args.lowrank else None}

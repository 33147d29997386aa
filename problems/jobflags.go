package problems

import (
	"flag"
	"fmt"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
)

// registerNetwork binds the problem and network overrides.
func (o *Overrides) registerNetwork(fs *flag.FlagSet, train bool) {
	fs.StringVar(&o.Problem, "problem", o.Problem, "problem name (see 'annsvd problems'): "+strings.Join(Names(), ", "))
	fs.StringVar(&o.Preset, "preset", o.Preset, "problem preset replacing its defaults, e.g. accurate (see 'annsvd problems'); flags still override it")
	if train {
		fs.StringVar(&o.Mode, "mode", o.Mode, "layer mode: "+annsvd.ModeNames)
		fs.IntVar(&o.Rank, "rank", o.Rank, "rank k kept by -mode compact (1 ≤ k ≤ min(m,n))")
		fs.Float64Var(&o.Threshold, "threshold", o.Threshold, "threshold τ > 0 for -mode truncated: keep σ ≥ τ")
		fs.BoolVar(&o.Relative, "relative", o.Relative, "make -threshold relative to σ₁ (keep σ ≥ τ·σ₁, τ ∈ (0,1])")
	}
	fs.StringVar(&o.SVDLayers, "svd-layers", o.SVDLayers, "hidden-to-hidden maps to factorise: comma list of j (map hidden j → j+1) or 'all'")
	fs.StringVar(&o.Product, "svd-product", o.Product, "SVD layer evaluation order: auto (cheaper per layer), factored (((h·U)·diag(s))·Vᵀ, W never formed) or formed (W = U·diag(s)·Vᵀ once per step, then h·W); same function and gradients")
	fs.BoolVar(&o.SVDBias, "svd-bias", o.SVDBias, "give SVD layers a bias b (default: the problem's; poisson-paper has none)")
	fs.IntVar(&o.Fourier, "fourier", o.Fourier, "random Fourier-feature input embedding with m ≥ 1 features [sin(2πxB), cos(2πxB)] (0: off; default: the preset's)")
	fs.IntVar(&o.Periodic, "periodic", o.Periodic, "exactly periodic input embedding [cos(2πkx/P), sin(2πkx/P)], k = 1…M, of the problem's periodic coordinate with M ≥ 1 modes (periodic problems: allen-cahn; 0: off; default: the preset's)")
	fs.Float64Var(&o.FourierSigma, "fourier-sigma", o.FourierSigma, "standard deviation σ > 0 of the Fourier matrix B (with -fourier)")
	fs.StringVar(&o.Widths, "widths", o.Widths, "hidden widths, comma separated (default: the problem's, e.g. 20,20,20)")
	fs.StringVar(&o.Activation, "activation", o.Activation, "hidden activation: "+annsvd.ActivationNames+" (default: the problem's)")
	fs.BoolVar(&o.Hard, "hard", o.Hard, "impose the initial/boundary conditions exactly by the problem's trial solution and train on the PDE loss only (problems that have one, see 'annsvd problems'; default: the preset's)")
	fs.IntVar(&o.Dim, "dim", o.Dim, "dimension d ≥ 1 of dimension-generic problems (poisson-nd; default 5)")
	fs.IntVar(&o.Points, "points", o.Points, "interior collocation points ≥ 1 of problems that take it (burgers; default: the preset's, see 'annsvd problems')")
}

// registerTraining binds the budget, optimizer and precision overrides.
func (o *Overrides) registerTraining(fs *flag.FlagSet) {
	fs.IntVar(&o.Adam, "adam", o.Adam, "Adam steps ≥ 0 (default: the problem's)")
	fs.StringVar(&o.QN, "qn", o.QN, "quasi-Newton method after Adam, in float64: "+solve.QNNames+" (the dense ones keep a p×p inverse Hessian: p ≤ 16384 parameters; default: the problem's, lbfgs)")
	fs.IntVar(&o.QNIters, "qn-iters", o.QNIters, "maximum quasi-Newton iterations ≥ 0 after Adam (default: the problem's); -lbfgs is the same")
	fs.IntVar(&o.QNMaxParams, "qn-max-params", o.QNMaxParams, "largest parameter count p ≥ 1 a dense -qn method accepts (its p×p float64 matrix takes 8p² bytes)")
	fs.IntVar(&o.LBFGS, "lbfgs", o.LBFGS, "maximum quasi-Newton (L-BFGS or -qn's) iterations ≥ 0 after Adam (default: the problem's)")
	fs.IntVar(&o.LBFGSHistory, "lbfgs-history", o.LBFGSHistory, "L-BFGS correction pairs kept ≥ 1 (scipy's maxcor)")
	fs.Float64Var(&o.LR, "lr", o.LR, "Adam learning rate > 0 (default: the problem's, 1e-3)")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "seed ≥ 0 for sampling and initialisation")
	fs.StringVar(&o.DType, "dtype", o.DType, "float32 or float64")
	fs.Float64Var(&o.MaxMemoryGiB, "max-memory", o.MaxMemoryGiB, "bound in GiB on the estimated memory of the network and its training graphs, checked before anything is allocated")
	fs.IntVar(&o.Workers, "workers", o.Workers, fmt.Sprintf("data-parallel workers K in [1, %d] on the pure-Go engine, each evaluating a shard of the points on one core (default: $%s, else the number of CPUs; 1 on XLA)", engine.MaxWorkers, engine.WorkersEnvVar))
	fs.StringVar(&o.Deriv, "deriv", o.Deriv, "input derivatives: forward (jets) or autodiff (nested Gradient, reference)")
	fs.IntVar(&o.LogEvery, "log-every", o.LogEvery, "record the loss history every N steps (default: ~200 records)")
}

// registerFeatures binds the schedule, weighting and resampling overrides.
func (o *Overrides) registerFeatures(fs *flag.FlagSet) {
	fs.StringVar(&o.Schedule, "schedule", o.Schedule, "learning-rate schedule: "+solve.ScheduleSyntax+" (default: the preset's)")
	fs.StringVar(&o.Weights, "weights", o.Weights, "loss weights by term, e.g. bc=10,ic=10 (each finite ≥ 0; default: the preset's)")
	fs.IntVar(&o.Adaptive, "adaptive", o.Adaptive, "adapt the loss weights by gradient-norm balancing every N ≥ 1 Adam steps (0: off)")
	fs.Float64Var(&o.AdaptiveAlpha, "adaptive-alpha", o.AdaptiveAlpha, "moving-average factor α ∈ [0,1) of -adaptive")
	fs.IntVar(&o.Resample, "resample", o.Resample, "resample the collocation points every N ≥ 1 Adam steps (0: off)")
	fs.IntVar(&o.RAD.Period, "rad", o.RAD.Period, "residual-based adaptive sampling (RAD): redraw the PDE points every N ≥ 1 Adam steps from a uniform pool with p ∝ |r|^k/mean|r|^k + c (0: off; default: the preset's); pretrain first, see -rad-lbfgs")
	fs.IntVar(&o.RAD.Pool, "rad-pool", o.RAD.Pool, "RAD candidate pool size ≥ 1 (default 10× the points)")
	fs.Float64Var(&o.RAD.K, "rad-k", o.RAD.K, "RAD exponent k > 0")
	fs.Float64Var(&o.RAD.C, "rad-c", o.RAD.C, "RAD constant c ≥ 0")
	fs.Float64Var(&o.RAD.Keep, "rad-keep", o.RAD.Keep, "fraction of the current points RAD keeps, in [0, 1)")
	fs.Float64Var(&o.RBA.Eta, "rba", o.RBA.Eta, "residual-based attention: per-point PDE multipliers λ ← γλ + η|r|/max|r| after each Adam step (frozen inside quasi-Newton rounds, updated between them), with learning rate η > 0 (0: off; the paper's 0.01; default: the preset's)")
	fs.Float64Var(&o.RBA.Gamma, "rba-gamma", o.RBA.Gamma, "decay γ ∈ [0, 1) of -rba")
	fs.IntVar(&o.RAD.LBFGSEvery, "rad-lbfgs", o.RAD.LBFGSEvery, "RAD between L-BFGS rounds of N ≥ 1 iterations, after Adam pretraining (with or without -rad)")
}

// registerReliability binds the checkpoint, resume and reference overrides.
func (o *Overrides) registerReliability(fs *flag.FlagSet) {
	fs.StringVar(&o.Checkpoint, "checkpoint", o.Checkpoint, "write checkpoints DIR/ckpt-<step>/ (all variables incl. Adam state, history, settings, resampled points, a SHA-256 of the variables) every -every Adam steps, after each RAD resampling between L-BFGS rounds, at the end and on SIGINT/SIGTERM")
	fs.IntVar(&o.Every, "every", o.Every, "checkpoint interval in steps ≥ 1 (with -checkpoint)")
	fs.IntVar(&o.Keep, "keep", o.Keep, "number of most recent checkpoints kept ≥ 1 (with -checkpoint)")
	fs.StringVar(&o.Resume, "resume", o.Resume, "continue from the latest complete checkpoint under DIR (or the checkpoint DIR itself; unreadable newer ones are skipped with a warning); it must have the same problem, network, dtype, seed and training settings (lr, weights, schedule, RAD, …), else it is refused naming the setting; -adam and -lbfgs are totals (≥ the steps done), so only the remaining steps run")
	fs.StringVar(&o.Reference, "reference", o.Reference, "evaluate against FILE.npz in DeepXDE's Burgers.npz layout (x (nx,1), t (nt,1), usol (nx,nt)) instead of the built-in reference; space–time (x, t) problems only")
}

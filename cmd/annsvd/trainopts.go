package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
)

// problemFlags are the train/compare flags for presets, problem options and training
// features (schedules, adaptive weights, resampling, term weights).
type problemFlags struct {
	preset, schedule, weights string
	dim, points               int
	resample, adaptive        int
	adaptiveAlpha             float64
	hard                      bool
	rad                       solve.RADConfig
	rba                       solve.RBAConfig
}

func (p *problemFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.preset, "preset", "", "problem preset replacing its defaults, e.g. accurate (see 'annsvd problems'); flags still override it")
	fs.BoolVar(&p.hard, "hard", false, "impose the initial/boundary conditions exactly by the problem's trial solution and train on the PDE loss only (problems that have one, see 'annsvd problems'; default: the preset's)")
	fs.IntVar(&p.dim, "dim", 0, "dimension d ≥ 1 of dimension-generic problems (poisson-nd; default 5)")
	fs.IntVar(&p.points, "points", 0, "interior collocation points ≥ 1 of problems that take it (burgers; default: the preset's, see 'annsvd problems')")
	fs.StringVar(&p.schedule, "schedule", "", "learning-rate schedule: "+solve.ScheduleSyntax+" (default: the preset's)")
	fs.StringVar(&p.weights, "weights", "", "loss weights by term, e.g. bc=10,ic=10 (each finite ≥ 0; default: the preset's)")
	fs.IntVar(&p.adaptive, "adaptive", 0, "adapt the loss weights by gradient-norm balancing every N ≥ 1 Adam steps (0: off)")
	fs.Float64Var(&p.adaptiveAlpha, "adaptive-alpha", 0.9, "moving-average factor α ∈ [0,1) of -adaptive")
	fs.IntVar(&p.resample, "resample", 0, "resample the collocation points every N ≥ 1 Adam steps (0: off)")
	fs.IntVar(&p.rad.Period, "rad", 0, "residual-based adaptive sampling (RAD): redraw the PDE points every N ≥ 1 Adam steps from a uniform pool with p ∝ |r|^k/mean|r|^k + c (0: off; default: the preset's); pretrain first, see -rad-lbfgs")
	fs.IntVar(&p.rad.Pool, "rad-pool", 0, "RAD candidate pool size ≥ 1 (default 10× the points)")
	fs.Float64Var(&p.rad.K, "rad-k", 1, "RAD exponent k > 0")
	fs.Float64Var(&p.rad.C, "rad-c", 1, "RAD constant c ≥ 0")
	fs.Float64Var(&p.rad.Keep, "rad-keep", 0, "fraction of the current points RAD keeps, in [0, 1)")
	fs.Float64Var(&p.rba.Eta, "rba", 0, "residual-based attention: per-point PDE multipliers λ ← γλ + η|r|/max|r| after each Adam step (frozen inside quasi-Newton rounds, updated between them), with learning rate η > 0 (0: off; the paper's 0.01; default: the preset's)")
	fs.Float64Var(&p.rba.Gamma, "rba-gamma", 0.999, "decay γ ∈ [0, 1) of -rba")
	fs.IntVar(&p.rad.LBFGSEvery, "rad-lbfgs", 0, "RAD between L-BFGS rounds of N ≥ 1 iterations, after Adam pretraining (with or without -rad)")
}

// defaults returns the entry's defaults or the chosen preset.
func (p *problemFlags) defaults(e problems.Entry) (problems.Defaults, error) {
	d, err := e.Preset(p.preset)
	if err != nil {
		return d, usageError{err}
	}
	return d, nil
}

func parseWeights(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, kv := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || name == "" {
			return nil, usageError{fmt.Errorf("-weights %q: %q is not term=value", s, kv)}
		}
		w, err := strconv.ParseFloat(val, 64)
		if err != nil || !(w >= 0) || math.IsInf(w, 0) {
			return nil, usageError{fmt.Errorf("-weights %q: weight %q of term %s out of range: need a finite weight ≥ 0", s, val, name)}
		}
		out[name] = w
	}
	return out, nil
}

// apply completes the training configuration with the preset's (or the flags')
// weights, schedule, adaptive weights and resampling.
func (p *problemFlags) apply(f *trainFlags, d problems.Defaults, cfg *solve.Config) error {
	if p.dim < 0 || (f.isSet("dim") && p.dim < 1) {
		return usageError{fmt.Errorf("-dim %d out of range: need ≥ 1", p.dim)}
	}
	if f.isSet("points") && (p.points < 1 || p.points > problems.MaxPoints) {
		return usageError{fmt.Errorf("-points %d out of range [1, %d]", p.points, problems.MaxPoints)}
	}
	cfg.Weights = d.Weights
	if p.weights != "" {
		w, err := parseWeights(p.weights)
		if err != nil {
			return err
		}
		cfg.Weights = w
	}
	sched := d.Schedule
	if f.isSet("schedule") {
		sched = p.schedule
	}
	lr := cfg.LR
	if lr == 0 {
		lr = 1e-3
	}
	h, err := solve.ParseSchedule(sched, lr, cfg.AdamSteps)
	if err != nil {
		return usageError{err}
	}
	if h != nil {
		cfg.Hooks = append(cfg.Hooks, h)
	}
	if f.isSet("adaptive") {
		if p.adaptive < 1 {
			return usageError{fmt.Errorf("-adaptive %d out of range: need a period ≥ 1 steps", p.adaptive)}
		}
		a, err := solve.NewAdaptiveWeights(p.adaptive, p.adaptiveAlpha, "pde")
		if err != nil {
			return usageError{err}
		}
		cfg.Hooks = append(cfg.Hooks, a)
	}
	rad := d.RAD
	if f.isSet("rad") {
		rad.Period = p.rad.Period
		if rad.Period < 1 {
			return usageError{fmt.Errorf("-rad %d out of range: need a period ≥ 1 steps", p.rad.Period)}
		}
	}
	if f.isSet("rad-lbfgs") {
		if p.rad.LBFGSEvery < 1 {
			return usageError{fmt.Errorf("-rad-lbfgs %d out of range: need ≥ 1 iterations per round", p.rad.LBFGSEvery)}
		}
		rad.LBFGSEvery = p.rad.LBFGSEvery
	}
	for _, name := range []string{"rad-pool", "rad-k", "rad-c", "rad-keep"} {
		if f.isSet(name) && rad.Period == 0 && rad.LBFGSEvery == 0 {
			return usageError{fmt.Errorf("-%s needs -rad N or -rad-lbfgs N", name)}
		}
	}
	if f.isSet("rad-pool") {
		if p.rad.Pool < 1 {
			return usageError{fmt.Errorf("-rad-pool %d out of range: need ≥ 1 candidates", p.rad.Pool)}
		}
		rad.Pool = p.rad.Pool
	}
	if f.isSet("rad-k") {
		rad.K = p.rad.K
		if !(rad.K > 0) {
			return usageError{fmt.Errorf("-rad-k %v out of range: need k > 0", p.rad.K)}
		}
	}
	if f.isSet("rad-c") {
		if !(p.rad.C >= 0) || math.IsInf(p.rad.C, 0) {
			return usageError{fmt.Errorf("-rad-c %v out of range: need a finite c ≥ 0", p.rad.C)}
		}
		rad.C = p.rad.C
		if rad.C == 0 {
			rad.C = -1 // RADConfig: negative means c = 0
		}
	}
	if f.isSet("rad-keep") {
		rad.Keep = p.rad.Keep
	}
	if rad.Period > 0 || rad.LBFGSEvery > 0 {
		h, err := solve.NewRAD(rad)
		if err != nil {
			return usageError{err}
		}
		cfg.Hooks = append(cfg.Hooks, h)
	}
	cfg.RBA = d.RBA
	if f.isSet("rba") {
		if !(p.rba.Eta >= 0) || math.IsInf(p.rba.Eta, 0) {
			return usageError{fmt.Errorf("-rba %v out of range: need a finite η > 0 (0: off)", p.rba.Eta)}
		}
		cfg.RBA.Eta = p.rba.Eta
	}
	if f.isSet("rba-gamma") {
		if !cfg.RBA.On() {
			return usageError{fmt.Errorf("-rba-gamma needs -rba η")}
		}
		if !(p.rba.Gamma >= 0 && p.rba.Gamma < 1) {
			return usageError{fmt.Errorf("-rba-gamma %v out of range: need γ ∈ [0, 1)", p.rba.Gamma)}
		}
		cfg.RBA.Gamma = p.rba.Gamma
		if cfg.RBA.Gamma == 0 {
			cfg.RBA.Gamma = math.SmallestNonzeroFloat64 // RBAConfig: 0 means the default
		}
	}
	if f.isSet("resample") {
		h, err := solve.Resample(p.resample)
		if err != nil {
			return usageError{err}
		}
		cfg.Hooks = append(cfg.Hooks, h)
	}
	return nil
}

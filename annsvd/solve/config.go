package solve

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Config are the training settings. The zero value of a field means its default.
type Config struct {
	// AdamSteps is the number of full-batch Adam steps (≥ 0).
	AdamSteps int `json:"adam_steps"`
	// LR is Adam's learning rate (> 0; default 1e-3).
	LR float64 `json:"lr"`
	// LBFGSIters is the maximum number of quasi-Newton iterations after Adam (≥ 0),
	// of the method QN.
	LBFGSIters int `json:"lbfgs_iters"`
	// QN is the quasi-Newton method after Adam: L-BFGS (the default) or a dense one
	// (BFGS, SSBFGS, SSBroyden; see DenseQN), all in float64.
	QN QNUpdate `json:"qn,omitempty"`
	// QNMaxParams bounds the parameter count of the dense methods (0:
	// DefaultQNMaxParams): a larger network is refused before anything is allocated.
	QNMaxParams int `json:"qn_max_params,omitempty"`
	// LBFGSHistory is the number of L-BFGS correction pairs kept (default 50).
	LBFGSHistory int `json:"lbfgs_history"`
	// LogEvery records the history every this many Adam steps (default: about 200
	// records per phase) and at the last step.
	LogEvery int `json:"log_every"`
	// Seed for point sampling and initialisation.
	Seed uint64 `json:"seed"`
	// DType is dtypes.Float32 (default) or dtypes.Float64.
	DType dtypes.DType `json:"-"`
	// Deriv selects forward jets (default) or nested autodiff for input derivatives.
	Deriv annsvd.DerivMethod `json:"-"`
	// Weights overrides the weight of loss terms by name (each ≥ 0 and finite).
	Weights map[string]float64 `json:"weights,omitempty"`
	// RBA, when its Eta is > 0, turns on residual-based attention: per-point loss
	// multipliers of the named terms (see RBAConfig).
	RBA RBAConfig `json:"rba,omitempty"`
	// Progress, when set, is called after every logged step.
	Progress func(Progress) `json:"-"`
	// Hooks run after every Adam step, in order.
	Hooks []Hook `json:"-"`
	// Regularizers are parameter-only loss terms added (already weighted) to the loss
	// and reported in the history under their names, after the problem's terms.
	Regularizers []Regularizer `json:"-"`
	// RollbackEvery keeps an in-memory copy of all variables every this many global
	// steps (default 100): a non-finite Adam step rolls back to the latest copy (see
	// AdamSteps).
	RollbackEvery int `json:"rollback_every,omitempty"`
	// MaxRollbacks is the number of rollbacks after which a non-finite step stops the
	// run (default DefaultMaxRollbacks; negative: stop at the first non-finite step).
	MaxRollbacks int `json:"max_rollbacks,omitempty"`
	// ResumeFrom, when set, makes Train restore the latest checkpoint under this
	// directory (see Run.Restore) and train only the remaining Adam steps and L-BFGS
	// iterations of the budget.
	ResumeFrom string `json:"resume_from,omitempty"`
	// Workers is the number K of data-parallel workers the loss and its gradient are
	// evaluated on, each a copy of the run on its own pure-Go backend holding a shard of
	// every term's points (see Run.Workers; at most one per point of the smallest term,
	// more is an error). 0: engine.Workers (the number of CPUs, or $ANNSVD_WORKERS, on the
	// pure-Go engine, limited to that point count; 1 on XLA). 1 is the single-backend path. Results are bit-identical run to run
	// for a given K and differ between K only by the order of floating-point sums.
	Workers int `json:"workers,omitempty"`
	// MaxMemory bounds the estimated memory of the network and its training graphs in
	// bytes, checked before anything is allocated (0: DefaultMaxMemory; see
	// CheckMemory).
	MaxMemory int64 `json:"max_memory,omitempty"`
	// Stop, when set, is polled after every Adam step and L-BFGS iteration; when it
	// returns true training stops there with an error wrapping ErrInterrupted (the
	// variables hold the state after that step).
	Stop func() bool `json:"-"`
}

// Defaults of Config.LR and Config.LBFGSHistory.
const (
	DefaultLR           = 1e-3
	DefaultLBFGSHistory = 50
)

// Rollback defaults (see Config.RollbackEvery, Config.MaxRollbacks, Run.AdamSteps).
const (
	DefaultRollbackEvery = 100
	DefaultMaxRollbacks  = 5
	// RollbackLRFactor multiplies the learning rate at each rollback: η ← η/2.
	RollbackLRFactor = 0.5
)

// ErrInterrupted is wrapped by the error of a run stopped by Config.Stop.
var ErrInterrupted = errors.New("training interrupted")

// Progress reports training progress to a display.
type Progress struct {
	// Phase is "adam" or the quasi-Newton method (Config.QN: "lbfgs", "ssbroyden", …).
	Phase       string
	Step, Total int
	Loss        float64
	Elapsed     time.Duration
	// Round and Rounds number the L-BFGS rounds of a RAD schedule (0 without rounds);
	// Step and Total then count over all rounds of the phase.
	Round, Rounds int
	// Note says where the phase stands beyond the loss, e.g. "round 3/15, rel L2
	// 1.1e-03 at the last resampling" ("" when there is nothing to add).
	Note string
	// Done is set on the last report of a phase (which may end before Total, e.g. on
	// convergence).
	Done bool
}

// Validate checks the settings, naming the first bad value and its allowed range.
func (c Config) Validate() error {
	if c.AdamSteps < 0 {
		return fmt.Errorf("solve: adam steps %d out of range: need ≥ 0", c.AdamSteps)
	}
	if c.LBFGSIters < 0 {
		return fmt.Errorf("solve: lbfgs iterations %d out of range: need ≥ 0", c.LBFGSIters)
	}
	if c.LR < 0 || math.IsNaN(c.LR) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("solve: learning rate %v out of range: need a finite lr > 0", c.LR)
	}
	if c.LR != 0 && c.withDefaults().DType == dtypes.Float32 && (c.LR < 0x1p-126 || c.LR > math.MaxFloat32) {
		// Adam keeps the rate in the training dtype: out of this range it would be 0 or +Inf.
		return fmt.Errorf("solve: learning rate %v out of range in float32: need %.3g ≤ lr ≤ %.3g (or float64)", c.LR, 0x1p-126, math.MaxFloat32)
	}
	if err := c.RBA.Validate(); err != nil {
		return err
	}
	if _, err := ParseQNUpdate(string(c.QN)); err != nil {
		return err
	}
	if c.QNMaxParams < 0 {
		return fmt.Errorf("solve: quasi-Newton parameter bound %d out of range: need ≥ 1 (0: %d)", c.QNMaxParams, DefaultQNMaxParams)
	}
	if c.LBFGSHistory < 0 {
		return fmt.Errorf("solve: lbfgs history %d out of range: need ≥ 1", c.LBFGSHistory)
	}
	if c.Workers != 0 {
		if err := engine.CheckWorkers(c.Workers); err != nil {
			return fmt.Errorf("solve: %w", err)
		}
	}
	if c.MaxMemory < 0 {
		return fmt.Errorf("solve: memory bound %d bytes out of range: need ≥ 1 (0: %d)", c.MaxMemory, DefaultMaxMemory)
	}
	if c.LogEvery < 0 {
		return fmt.Errorf("solve: log-every %d out of range: need ≥ 1", c.LogEvery)
	}
	if c.RollbackEvery < 0 {
		return fmt.Errorf("solve: rollback-every %d out of range: need ≥ 1", c.RollbackEvery)
	}
	if c.DType != dtypes.InvalidDType && c.DType != dtypes.Float32 && c.DType != dtypes.Float64 {
		return fmt.Errorf("solve: dtype %s not supported (allowed: float32, float64)", c.DType)
	}
	for name, w := range c.Weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("solve: weight %v of term %q out of range: need a finite weight ≥ 0", w, name)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.LR == 0 {
		c.LR = DefaultLR
	}
	if c.LBFGSHistory == 0 {
		c.LBFGSHistory = DefaultLBFGSHistory
	}
	if c.QN == "" {
		c.QN = QNLBFGS
	}
	if c.DType == dtypes.InvalidDType {
		c.DType = dtypes.Float32
	}
	if c.RollbackEvery == 0 {
		c.RollbackEvery = DefaultRollbackEvery
	}
	if c.MaxRollbacks == 0 {
		c.MaxRollbacks = DefaultMaxRollbacks
	}
	return c
}

// checkWeights refuses a loss weight for a term the problem does not have.
func checkWeights(weights map[string]float64, terms []annsvd.Term) error {
	for _, name := range slices.Sorted(maps.Keys(weights)) {
		if !slices.ContainsFunc(terms, func(t annsvd.Term) bool { return t.Name == name }) {
			return fmt.Errorf("solve: weight for unknown term %q (terms: %s)", name, termNames(terms))
		}
	}
	return nil
}

// CheckHooks samples the problem's terms, checks the loss weights against them and
// runs the Check method of the hooks that have one (see Hook), so that bad weights and
// hook settings are reported before any graph is built.
func CheckHooks(p *annsvd.Problem, cfg Config) error {
	terms, err := p.Terms(cfg.Seed)
	if err != nil {
		return err
	}
	if err := checkWeights(cfg.Weights, terms); err != nil {
		return err
	}
	r := &Run{Problem: p, Terms: terms, Config: cfg}
	for _, t := range terms {
		r.names = append(r.names, t.Name)
	}
	return r.checkHooks()
}

// checkHooks runs the Check method of the hooks that have one (see Hook).
func (r *Run) checkHooks() error {
	for _, h := range r.Config.Hooks {
		if c, ok := h.(interface{ Check(*Run) error }); ok {
			if err := c.Check(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckNetwork validates the settings and builds the network once in a scratch context
// (without sampling or compiling), so that bad ranks or thresholds are reported before
// any work starts; so is a dense quasi-Newton method on a network too large for its
// p×p matrix.
func CheckNetwork(p *annsvd.Problem, netCfg annsvd.Config, cfg Config) (*annsvd.Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	netCfg, err := networkConfig(p, netCfg, cfg)
	if err != nil {
		return nil, err
	}
	if err := CheckMemory(netCfg, cfg, nil); err != nil {
		return nil, err
	}
	n, err := annsvd.NewNetwork(context.New(), netCfg)
	if err != nil {
		return nil, err
	}
	if cfg.LBFGSIters > 0 {
		if err := checkDenseQN(cfg.QN, n.Params(), cfg.QNMaxParams); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// DefaultMaxMemory is the default bound of Config.MaxMemory: 16 GiB.
const DefaultMaxMemory int64 = 16 << 30

// CheckMemory estimates the memory of training the network netCfg (complete: inputs
// and dtype set) on terms, before anything is allocated, and returns an error naming
// the widths, the estimate and the bound when it exceeds cfg.MaxMemory (default
// DefaultMaxMemory). The estimate is netCfg.MemoryEstimate() plus, per term of n
// points whose residual needs s derivative streams (value, first, second and Laplacian
// directions), n·(1 + s)·Σ widths activations kept four times over (values, tangents,
// and their adjoints in the backward pass); terms may be nil (the network alone).
func CheckMemory(netCfg annsvd.Config, cfg Config, terms []annsvd.Term) error {
	limit := cfg.MaxMemory
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	net := float64(netCfg.MemoryEstimate())
	width := float64(netCfg.Outputs)
	for _, w := range netCfg.Widths {
		width += float64(w)
	}
	bytes := float64(cfg.withDefaults().DType.Size())
	act := 0.0
	for _, t := range terms {
		streams := 1 + len(t.Derivs.First) + len(t.Derivs.Second) + len(t.Derivs.Laplacian)
		act += float64(len(t.Points)) * float64(streams) * width * bytes * 4
	}
	if need := net + act; need > float64(limit) {
		const gib = 1 << 30
		return fmt.Errorf("solve: widths %v need an estimated %.3g GiB (network %.3g GiB, activations %.3g GiB), over the %.3g GiB memory bound",
			netCfg.Widths, need/gib, net/gib, act/gib, float64(limit)/gib)
	}
	return nil
}

// networkConfig completes a network configuration from the problem and the training
// settings: one input per coordinate, the training dtype, the training seed unless
// the network has its own, and the period of a periodic embedding from the problem
// (which must be periodic in that coordinate, with that period if one is given).
func networkConfig(p *annsvd.Problem, netCfg annsvd.Config, cfg Config) (annsvd.Config, error) {
	netCfg.Inputs, netCfg.DType = len(p.Coords), cfg.withDefaults().DType
	if netCfg.Outputs == 0 {
		netCfg.Outputs = 1
	}
	if netCfg.Seed == 0 {
		netCfg.Seed = cfg.Seed
	}
	if pe := &netCfg.Periodic; pe.Modes != 0 {
		var period float64
		if pe.Coord >= 0 && pe.Coord < len(p.Periods) {
			period = p.Periods[pe.Coord]
		}
		coord := fmt.Sprint(pe.Coord)
		if pe.Coord >= 0 && pe.Coord < len(p.Coords) {
			coord = p.Coords[pe.Coord]
		}
		switch {
		case period == 0:
			return netCfg, fmt.Errorf("solve: periodic embedding of coordinate %s: problem %s is not periodic in it", coord, p.Name)
		case pe.Period == 0:
			pe.Period = period
		case pe.Period != period:
			return netCfg, fmt.Errorf("solve: periodic embedding of coordinate %s with period %g: problem %s has period %g", coord, pe.Period, p.Name, period)
		}
	}
	return netCfg, nil
}

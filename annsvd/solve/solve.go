// Package solve trains PINNs built with package annsvd: Adam (GoMLX optimizer) on the
// weighted sum of the problem's loss terms, then L-BFGS (gonum optimize.LBFGS driven by
// a loss-and-gradient graph over the flattened trainable variables), with a per-term
// loss history and error metrics against the problem's independent reference.
package solve

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
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
		c.LR = 1e-3
	}
	if c.LBFGSHistory == 0 {
		c.LBFGSHistory = 50
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

// History is the per-term loss record of a run. Record k is at global step Step[k]
// (Adam steps count first, then quasi-Newton iterations continue the count).
type History struct {
	Step []int `json:"step"`
	// Phase is "adam" or the quasi-Newton method (Config.QN) per record.
	Phase []string  `json:"phase"`
	Loss  []float64 `json:"loss"`
	// Terms maps each term name to its unweighted mean squared residual per record.
	Terms  map[string][]float64 `json:"terms"`
	WallS  []float64            `json:"wall_s"`
	Events []string             `json:"events,omitempty"`
}

func (h *History) add(step int, phase string, loss float64, names []string, terms []float64, wall float64) {
	if h.Terms == nil {
		h.Terms = map[string][]float64{}
	}
	h.Step = append(h.Step, step)
	h.Phase = append(h.Phase, phase)
	h.Loss = append(h.Loss, loss)
	for i, n := range names {
		h.Terms[n] = append(h.Terms[n], terms[i])
	}
	h.WallS = append(h.WallS, wall)
}

// Run holds one training run: the problem's sampled terms, the network and its
// variables (in Ctx), the compiled graphs, and the history so far.
type Run struct {
	Problem *annsvd.Problem
	Net     *annsvd.Network
	Ctx     *context.Context
	Backend backends.Backend
	Config  Config
	Terms   []annsvd.Term
	History History
	// Step is the global step count (Adam steps plus L-BFGS iterations so far).
	Step int
	// ResumedFrom is the checkpoint the run was restored from ("" if none).
	ResumedFrom string
	// SkippedCheckpoints says which newer checkpoints Restore skipped as unreadable,
	// and why.
	SkippedCheckpoints []string
	// Rollbacks counts the rollbacks after non-finite steps (see AdamSteps).
	Rollbacks int

	adamDone int // Adam steps among Step
	// lbfgsDone counts the L-BFGS iterations done, roundDone those of the current
	// L-BFGS round (see lbfgsRounds).
	lbfgsDone, roundDone int
	// phase is what the L-BFGS progress reports add to their own iteration counts
	// while a multi-round phase runs (zero otherwise).
	phase   phaseProgress
	stopped bool
	// shadow is the float64 copy L-BFGS optimises a float32 run in (kept across rounds).
	shadow *Run
	// dense is the dense quasi-Newton method's state (its H), kept across rounds.
	dense *DenseQN
	// midQN is set when training stopped inside a quasi-Newton minimisation (see
	// Resumable).
	midQN bool
	// pool evaluates the loss on data-parallel workers (nil: on this run's backend).
	pool *workerPool
	// inputsGen counts the rebuilds of inputs (new points), so the pool knows when to
	// cut its shards again.
	inputsGen int

	inputs    []*tensors.Tensor
	names     []string
	trainVars []*context.Variable
	adamExec  *context.Exec
	lossExec  *context.Exec
	predExec  *context.Exec
	resExec   map[int]*context.Exec
	ref       *annsvd.EvalSet // the problem's reference set, built once by Evaluate
	start     time.Time
	// AdamStepTimes are the wall times of each Adam step (first one includes compilation).
	AdamStepTimes []time.Duration
	// CompileTime is the wall time of the first Adam step, which builds and compiles
	// the graph.
	CompileTime time.Duration
}

// NewRun samples the problem's terms, builds the network and prepares (lazily
// compiled) graphs for Adam, L-BFGS and prediction.
func NewRun(b backends.Backend, p *annsvd.Problem, netCfg annsvd.Config, cfg Config) (*Run, error) {
	// Longer than 80 lines: builds a run in the order its parts depend on (terms, network, workers, graphs), each failure named.
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if p == nil || p.Terms == nil {
		return nil, errors.New("solve: problem has no loss terms")
	}
	terms, err := p.Terms(cfg.Seed)
	if err != nil {
		return nil, err
	}
	dim := len(p.Coords)
	if netCfg, err = networkConfig(p, netCfg, cfg); err != nil {
		return nil, err
	}
	if _, err := workerCount(b, cfg, terms); err != nil {
		return nil, err
	}
	if err := CheckMemory(netCfg, cfg, terms); err != nil {
		return nil, err
	}
	r := &Run{Problem: p, Backend: b, Config: cfg, Terms: terms, Ctx: context.New(), start: time.Now()}
	r.Net, err = annsvd.NewNetwork(r.Ctx, netCfg)
	if err != nil {
		return nil, err
	}
	if p.Setup != nil {
		if err := p.Setup(r.Ctx, cfg.DType); err != nil {
			return nil, err
		}
	}
	if err := checkWeights(cfg.Weights, terms); err != nil {
		return nil, err
	}
	for ti, t := range terms {
		if err := annsvd.CheckPoints("term "+t.Name, t.Points, dim); err != nil {
			return nil, err
		}
		if t.Data != nil {
			if len(t.Data) != len(t.Points) {
				return nil, fmt.Errorf("solve: term %s has %d data rows for %d points", t.Name, len(t.Data), len(t.Points))
			}
			if err := annsvd.CheckPoints("term "+t.Name+" data", t.Data, len(t.Data[0])); err != nil {
				return nil, err
			}
		}
		w := t.Weight
		if w == 0 {
			w = 1
		}
		if o, ok := cfg.Weights[t.Name]; ok {
			w = o
		}
		r.Ctx.In("loss_weights").Checked(false).VariableWithValue(fmt.Sprintf("w%d", ti), castScalar(w, cfg.DType)).SetTrainable(false)
		r.names = append(r.names, t.Name)
	}
	for _, reg := range cfg.Regularizers {
		if reg.Loss == nil || reg.Name == "" || slices.Contains(r.names, reg.Name) {
			return nil, fmt.Errorf("solve: regularizer %q needs a unique non-empty name and a Loss (terms: %v)", reg.Name, r.names)
		}
		r.names = append(r.names, reg.Name)
	}
	if err := r.setupRBA(); err != nil {
		return nil, err
	}
	r.rebuildInputs()
	for v := range r.Ctx.IterVariables() {
		if v.Trainable {
			r.trainVars = append(r.trainVars, v)
		}
	}
	sortVars(r.trainVars)
	if cfg.LBFGSIters > 0 {
		if err := checkDenseQN(cfg.QN, r.NumParams(), cfg.QNMaxParams); err != nil {
			return nil, err
		}
	}
	if err := r.checkHooks(); err != nil {
		return nil, err
	}
	return r, nil
}

func sortVars(vars []*context.Variable) {
	sort.Slice(vars, func(i, j int) bool { return vars[i].ScopeAndName() < vars[j].ScopeAndName() })
}

func termNames(terms []annsvd.Term) string {
	var s []string
	for _, t := range terms {
		s = append(s, t.Name)
	}
	return fmt.Sprint(s)
}

func castScalar(v float64, dt dtypes.DType) any {
	if dt == dtypes.Float64 {
		return v
	}
	return float32(v)
}

// columns converts N×d points to d tensors of shape [N,1].
func columns(pts [][]float64, d int, dt dtypes.DType) []*tensors.Tensor {
	out := make([]*tensors.Tensor, d)
	for j := range d {
		col := make([]float64, len(pts))
		for i, p := range pts {
			col[i] = p[j]
		}
		out[j] = annsvd.TensorOf(col, dt, len(pts), 1)
	}
	return out
}

// solution returns the jet of u at coordinates x with the derivatives d, by the
// configured method.
func (r *Run) solution(ctx *context.Context, x []*Node, d annsvd.Derivs) annsvd.Jet {
	if r.Config.Deriv == annsvd.DerivAutodiff {
		xj := annsvd.CoordJets(x, annsvd.Derivs{})
		u := r.Problem.Solution(xj, r.Net.Forward(ctx, xj)).V
		return annsvd.AutodiffJet(u, x, d)
	}
	xj := annsvd.CoordJets(x, d)
	return r.Problem.Solution(xj, r.Net.Forward(ctx, xj))
}

// residual builds term t's residual at coordinates x (each [N,1]) with data columns. A
// panic while building it is re-raised naming the term and the derivatives it declares;
// reading an undeclared one through the Jet accessors (annsvd.MissingDerivative) says
// which.
func (r *Run) residual(ctx *context.Context, t annsvd.Term, x, data []*Node) *Node {
	defer func() {
		e := recover()
		if e == nil {
			return
		}
		declared := t.Derivs.Describe(r.Problem.Coords)
		var md annsvd.MissingDerivative
		if err, ok := e.(error); ok && errors.As(err, &md) {
			what := "the Laplacian"
			switch md.Order {
			case 1:
				what = annsvd.Derivs{First: []int{md.Coord}}.Describe(r.Problem.Coords)
			case 2:
				what = annsvd.Derivs{Second: []int{md.Coord}}.Describe(r.Problem.Coords)
			}
			panic(fmt.Errorf("solve: problem %s, term %q: the residual reads %s, which the term's Derivs do not declare (declared: %s)",
				r.Problem.Name, t.Name, what, declared))
		}
		// An error value, so that GoMLX's Exec returns it as the step's error.
		panic(fmt.Errorf("solve: problem %s, term %q: building the residual failed (declared derivatives: %s; reading an undeclared one from the jet gives a nil node): %v",
			r.Problem.Name, t.Name, declared, e))
	}()
	u := r.solution(ctx, x, t.Derivs)
	if t.ResidualCtx != nil {
		return t.ResidualCtx(ctx, x, u, data)
	}
	return t.Residual(x, u, data)
}

// LossGraph builds the weighted total loss and the unweighted per-term mean squared
// residuals from the graph inputs (the term columns, in order). A term with RBA
// multipliers λ enters the total as mean(λ²·r²) (its reported loss stays mean(r²)).
func (r *Run) LossGraph(ctx *context.Context, inputs []*Node) (total *Node, terms []*Node) {
	return r.lossGraph(ctx, inputs, false)
}

// lossGraph is LossGraph; with updateRBA (the Adam step) it also sets the RBA
// multipliers to their next values.
func (r *Run) lossGraph(ctx *context.Context, inputs []*Node, updateRBA bool) (total *Node, terms []*Node) {
	return r.lossGraphRes(ctx, inputs, updateRBA, nil)
}

// lossGraphRes is lossGraph that also appends |r| of every attended (RBA) term to
// absRes when it is not nil.
func (r *Run) lossGraphRes(ctx *context.Context, inputs []*Node, updateRBA bool, absRes *[]*Node) (total *Node, terms []*Node) {
	rba := r.Config.RBA.withDefaults()
	g := inputs[0].Graph()
	dim := len(r.Problem.Coords)
	off := 0
	for ti, t := range r.Terms {
		x := inputs[off : off+dim]
		off += dim
		var data []*Node
		if t.Data != nil {
			k := len(t.Data[0])
			data = inputs[off : off+k]
			off += k
		}
		res := r.residual(ctx, t, x, data)
		sq := Square(res)
		l := ReduceAllMean(sq)
		terms = append(terms, l)
		w := ctx.In("loss_weights").GetVariable(fmt.Sprintf("w%d", ti))
		if w == nil {
			w = ctx.InspectVariable("/loss_weights", fmt.Sprintf("w%d", ti))
		}
		if v := r.rbaVar(ctx, ti); v != nil {
			l = ReduceAllMean(Mul(rbaGraph(v, res, rba.Gamma, rba.Eta, updateRBA), sq))
			if absRes != nil {
				*absRes = append(*absRes, Abs(StopGradient(res)))
			}
		}
		wl := Mul(w.ValueGraph(g), l)
		if total == nil {
			total = wl
		} else {
			total = Add(total, wl)
		}
	}
	for _, reg := range r.Config.Regularizers {
		l := reg.Loss(ctx, g)
		terms = append(terms, l)
		total = Add(total, l)
	}
	return total, terms
}

func allFinite(nodes ...*Node) *Node {
	var acc *Node
	for _, n := range nodes {
		f := ReduceAllMin(ConvertDType(IsFinite(n), n.DType()))
		if acc == nil {
			acc = f
		} else {
			acc = Min(acc, f)
		}
	}
	return acc
}

// gradientUpdater is implemented by GoMLX's Adam: it applies given gradients, so the
// step can also report them (finiteness check).
type gradientUpdater interface {
	UpdateGraphWithGradients(ctx *context.Context, grads []*Node, lossDType dtypes.DType)
}

func (r *Run) buildAdam() error {
	opt, ok := optimizers.Adam().LearningRate(r.Config.LR).Done().(gradientUpdater)
	if !ok {
		return errors.New("solve: GoMLX Adam does not accept precomputed gradients")
	}
	pool, err := r.workerPool()
	if err != nil {
		return err
	}
	if pool != nil {
		return r.buildAdamApply(opt)
	}
	e, err := context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, inputs []*Node) []*Node {
		total, terms := r.lossGraph(ctx, inputs, true)
		grads := ctx.BuildTrainableVariablesGradientsGraph(total)
		opt.UpdateGraphWithGradients(ctx, grads, total.DType())
		return append([]*Node{total, allFinite(append(grads, total)...)}, terms...)
	})
	if err != nil {
		return fmt.Errorf("solve: building the Adam step: %w", err)
	}
	r.adamExec = e
	return nil
}

func scalarOf(t *tensors.Tensor) float64 { return annsvd.TensorFloat64s(t)[0] }

// ErrNonFinite is wrapped by errors reporting a NaN or ±Inf loss or gradient.
var ErrNonFinite = errors.New("non-finite loss or gradient")

func (r *Run) inputsAny() []any {
	a := make([]any, len(r.inputs))
	for i, t := range r.inputs {
		a[i] = t
	}
	return a
}

// AdamSteps runs n full-batch Adam steps, recording the history at every global step
// that is a multiple of LogEvery, at step 1 and at the last step.
//
// Divergence: every Config.RollbackEvery global steps (and at the start) the values of
// all variables are copied in memory. A non-finite loss or gradient rolls the run back
// to that copy (variables, Adam moments and step counters, step count and history),
// multiplies the learning rate by RollbackLRFactor (η ← η/2), records an event in
// History.Events and continues. After Config.MaxRollbacks rollbacks within this call a
// non-finite step stops the run with an error wrapping ErrNonFinite that names the
// last good step (and the last checkpoint, if a Checkpointer hook wrote one).
//
// When Config.Stop reports true after a step, AdamSteps returns an error wrapping
// ErrInterrupted.
func (r *Run) AdamSteps(n int) error {
	// Longer than 80 lines: the Adam step loop: step, divergence rollback, hooks, history and stop share the loop's state.
	if n <= 0 {
		return nil
	}
	if r.adamExec == nil {
		if err := r.buildAdam(); err != nil {
			return err
		}
	}
	every := r.Config.LogEvery
	if every <= 0 {
		total := r.Config.AdamSteps
		if total <= 0 {
			total = n
		}
		every = max(1, total/200)
	}
	start, target := r.Step, r.Step+n
	good, err := r.snapshot()
	if err != nil {
		return err
	}
	rollbacks := 0
	for r.Step < target {
		if r.adamExec == nil { // invalidated by a hook
			if err := r.buildAdam(); err != nil {
				return err
			}
		}
		t0 := time.Now()
		loss, finite, termVals, err := r.adamStep()
		if err != nil {
			return fmt.Errorf("solve: Adam step %d: %w", r.Step+1, err)
		}
		if r.CompileTime == 0 {
			// GoMLX's Exec.PreCompile donates (and loses) the buffers of variables the
			// graph updates, so compilation is timed as part of the first step.
			r.CompileTime = time.Since(t0)
		}
		r.AdamStepTimes = append(r.AdamStepTimes, time.Since(t0))
		r.Step++
		r.adamDone++
		if !finite || math.IsNaN(loss) || math.IsInf(loss, 0) {
			err := fmt.Errorf("solve: %w at Adam step %d: loss %v (%s)", ErrNonFinite, r.Step, loss, r.describe(termVals))
			if rollbacks >= max(0, r.Config.MaxRollbacks) {
				return fmt.Errorf("%w; stopped after %d rollbacks, last good state: step %d%s",
					err, rollbacks, good.step, r.lastCheckpoint())
			}
			lr := r.LR() * RollbackLRFactor
			bad := r.Step
			if err := r.rollback(good); err != nil {
				return err
			}
			if err := r.SetLR(lr); err != nil {
				return err
			}
			rollbacks++
			r.Rollbacks++
			r.History.Events = append(r.History.Events, fmt.Sprintf(
				"step %d: non-finite loss %v; rolled back to step %d, learning rate ×%g → %g (rollback %d of %d)",
				bad, loss, good.step, RollbackLRFactor, lr, rollbacks, r.Config.MaxRollbacks))
			continue
		}
		if r.Step%every == 0 || r.Step == target || r.Step == 1 {
			r.History.add(r.Step, "adam", loss, r.names, termVals, time.Since(r.start).Seconds())
			if r.Config.Progress != nil {
				r.Config.Progress(Progress{Phase: "adam", Step: r.Step - start, Total: n, Loss: loss, Elapsed: time.Since(r.start)})
			}
		}
		for _, h := range r.Config.Hooks {
			if err := h.AfterStep(r, r.Step); err != nil {
				return err
			}
		}
		// A hook that rebuilt the graphs (a rank change, a new point count) may have
		// changed variable shapes: snapshot at once, so that a rollback never restores
		// variables of another shape.
		if r.Step%max(1, r.Config.RollbackEvery) == 0 || r.adamExec == nil {
			if good, err = r.snapshot(); err != nil {
				return err
			}
		}
		if r.stopRequested() {
			return fmt.Errorf("solve: %w after Adam step %d", ErrInterrupted, r.Step)
		}
	}
	return nil
}

// adamStep runs one Adam step: the loss (before the update), whether the loss and
// gradients were finite, and the per-term losses.
func (r *Run) adamStep() (loss float64, finite bool, terms []float64, err error) {
	if r.pool != nil {
		return r.parallelAdamStep()
	}
	outs, err := r.adamExec.Exec(r.inputsAny()...)
	if err != nil {
		return 0, false, nil, err
	}
	terms = make([]float64, len(outs)-2)
	for i := range terms {
		terms[i] = scalarOf(outs[i+2])
	}
	return scalarOf(outs[0]), scalarOf(outs[1]) == 1, terms, nil
}

func (r *Run) stopRequested() bool {
	if r.Config.Stop != nil && r.Config.Stop() {
		r.stopped = true
	}
	return r.stopped
}

// lastCheckpoint names the last checkpoint written by a Checkpointer hook, if any.
func (r *Run) lastCheckpoint() string {
	if c, ok := firstHook(r, func(c Saver) bool { return c.LastSaved() != "" }); ok {
		return " (last checkpoint " + c.LastSaved() + ")"
	}
	return ""
}

// state is an in-memory copy of a run's variables and counters.
type state struct {
	step, adamDone int
	history        int // number of history records
	values         map[*context.Variable]*tensors.Tensor
}

func (r *Run) snapshot() (*state, error) {
	s := &state{step: r.Step, adamDone: r.adamDone, history: len(r.History.Step), values: map[*context.Variable]*tensors.Tensor{}}
	for v := range r.Ctx.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.MustValue().LocalClone()
		if err != nil {
			return nil, fmt.Errorf("solve: copying %s: %w", v.ScopeAndName(), err)
		}
		s.values[v] = t
	}
	return s, nil
}

// rollback restores a snapshot. Variables created after it (Adam's moments and step
// counters, when the snapshot precedes the first step) are reset to zero, their
// initial value.
func (r *Run) rollback(s *state) error {
	for v := range r.Ctx.IterVariables() {
		var t *tensors.Tensor
		if saved, ok := s.values[v]; ok {
			var err error
			if t, err = saved.LocalClone(); err != nil {
				return fmt.Errorf("solve: rollback of %s: %w", v.ScopeAndName(), err)
			}
		} else {
			t = tensors.FromShape(v.Shape()) // zeros
		}
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("solve: rollback of %s: %w", v.ScopeAndName(), err)
		}
	}
	r.Step, r.adamDone = s.step, s.adamDone
	h := &r.History
	k := s.history
	h.Step, h.Phase, h.Loss, h.WallS = h.Step[:k], h.Phase[:k], h.Loss[:k], h.WallS[:k]
	for name, vals := range h.Terms {
		h.Terms[name] = vals[:k]
	}
	return nil
}

func (r *Run) describe(vals []float64) string {
	s := ""
	for i, v := range vals {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s=%.3g", r.names[i], v)
	}
	return s
}

// TermNames returns the names of the loss terms in order.
func (r *Run) TermNames() []string { return slices.Clone(r.names) }

// Predict evaluates u (with the problem's hard constraint) at the points.
func (r *Run) Predict(points [][]float64) ([]float64, error) {
	dim := len(r.Problem.Coords)
	if err := annsvd.CheckPoints("prediction points", points, dim); err != nil {
		return nil, err
	}
	if r.predExec == nil {
		e, err := context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, x []*Node) *Node {
			xj := annsvd.CoordJets(x, annsvd.Derivs{})
			return r.Problem.Solution(xj, r.Net.Forward(ctx, xj)).V
		})
		if err != nil {
			return nil, fmt.Errorf("solve: building the prediction graph: %w", err)
		}
		r.predExec = e
	}
	outs, err := r.execOn(r.predExec, points)
	if err != nil {
		return nil, fmt.Errorf("solve: prediction: %w", err)
	}
	return annsvd.TensorFloat64s(outs[0]), nil
}

// PredictDerivs is Predict when d asks for no derivative (the graph a trained run's
// prediction came from), PredictJet otherwise.
func (r *Run) PredictDerivs(points [][]float64, d annsvd.Derivs) (u []float64, first, second [][]float64, err error) {
	if len(d.First)+len(d.Second) == 0 {
		u, err = r.Predict(points)
		return u, nil, nil, err
	}
	return r.PredictJet(points, d)
}

// execOn runs e on the points' coordinate columns (in the run's dtype).
func (r *Run) execOn(e *context.Exec, points [][]float64) ([]*tensors.Tensor, error) {
	cols := columns(points, len(r.Problem.Coords), r.Config.DType)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	return e.Exec(args...)
}

// PredictJet evaluates u (with the problem's hard constraint) and the derivatives d at
// the points, by the run's derivative method: u, then ∂u/∂x_i for each i in d.First
// and ∂²u/∂x_i² for each i in d.Second, each of length len(points) (zeros where the
// derivative vanishes identically). The graph is built for each call.
func (r *Run) PredictJet(points [][]float64, d annsvd.Derivs) (u []float64, first, second [][]float64, err error) {
	dim := len(r.Problem.Coords)
	if err := annsvd.CheckPoints("prediction points", points, dim); err != nil {
		return nil, nil, nil, err
	}
	for _, i := range append(slices.Clone(d.First), d.Second...) {
		if i < 0 || i >= dim {
			return nil, nil, nil, fmt.Errorf("solve: derivative coordinate %d out of range [0, %d)", i, dim)
		}
	}
	if len(d.Laplacian) > 0 {
		return nil, nil, nil, errors.New("solve: PredictJet takes First and Second derivatives, not Laplacian")
	}
	e, err := context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, x []*Node) []*Node {
		j := r.solution(ctx, x, d)
		outs := []*Node{j.V}
		pick := func(n *Node) *Node {
			if n == nil {
				return ZerosLike(j.V)
			}
			return n
		}
		for _, i := range d.First {
			outs = append(outs, pick(j.D[i]))
		}
		for _, i := range d.Second {
			outs = append(outs, pick(j.DD[i]))
		}
		return outs
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("solve: building the prediction graph: %w", err)
	}
	outs, err := r.execOn(e, points)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("solve: prediction: %w", err)
	}
	u = annsvd.TensorFloat64s(outs[0])
	for k := range d.First {
		first = append(first, annsvd.TensorFloat64s(outs[1+k]))
	}
	for k := range d.Second {
		second = append(second, annsvd.TensorFloat64s(outs[1+len(d.First)+k]))
	}
	return u, first, second, nil
}

// Evaluate predicts on the problem's reference set and returns the error metrics. The
// reference set is built on the first call and reused (RAD evaluates every round).
func (r *Run) Evaluate() (annsvd.Metrics, *annsvd.EvalSet, []float64, error) {
	if r.Problem.Reference == nil {
		return annsvd.Metrics{}, nil, nil, fmt.Errorf("solve: problem %s has no reference", r.Problem.Name)
	}
	if r.ref == nil {
		ref, err := r.Problem.Reference()
		if err != nil {
			return annsvd.Metrics{}, nil, nil, err
		}
		r.ref = ref
	}
	ref := r.ref
	pred, err := r.Predict(ref.Points)
	if err != nil {
		return annsvd.Metrics{}, nil, nil, err
	}
	m, err := annsvd.Compare(pred, ref.U)
	return m, ref, pred, err
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

// Resumable reports whether a checkpoint of the run's current state lets a resume end
// exactly as an uninterrupted run would. It is false only after training was
// interrupted inside a quasi-Newton minimisation, whose line-search position (and, for
// L-BFGS, curvature pairs) is not saved: the checkpoint to resume from is then the
// last one before it, at the end of Adam or of a RAD round (a dense method's H is saved
// there), and the resume redoes the interrupted minimisation.
func (r *Run) Resumable() bool { return !r.midQN }

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

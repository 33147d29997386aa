// Package solve trains PINNs built with package annsvd: Adam (GoMLX optimizer) on the
// weighted sum of the problem's loss terms, then L-BFGS (gonum optimize.LBFGS driven by
// a loss-and-gradient graph over the flattened trainable variables), with a per-term
// loss history and error metrics against the problem's independent reference.
//
// The files follow the jobs: config.go (Config and every check made before training),
// solve.go (Run: sampling, network and loss graph), adam.go (the Adam loop with
// rollback), lbfgs.go and quasinewton.go (the quasi-Newton phase); rad.go, rba.go,
// adaptive.go, resample.go and schedule.go (hooks adapting the points, the weights and
// the learning rate); evaluate.go and prediction.go (prediction, metrics, the
// prediction file), table.go, history.go,
// hooks.go (the Hook interface and its optional extensions), checkpoint.go and model.go
// (saving, resuming, loading), parallel.go (data-parallel workers), train.go (Train,
// the whole pipeline, and its Result).
package solve

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

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
	if err := r.setupTerms(dim); err != nil {
		return nil, err
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

// setupTerms checks every term's points (and data) against the problem's dim
// coordinates, creates its loss weight (Config.Weights, else the term's, else 1) and
// records its name.
func (r *Run) setupTerms(dim int) error {
	for ti, t := range r.Terms {
		if err := annsvd.CheckPoints("term "+t.Name, t.Points, dim); err != nil {
			return err
		}
		if t.Data != nil {
			if len(t.Data) != len(t.Points) {
				return fmt.Errorf("solve: term %s has %d data rows for %d points", t.Name, len(t.Data), len(t.Points))
			}
			if err := annsvd.CheckPoints("term "+t.Name+" data", t.Data, len(t.Data[0])); err != nil {
				return err
			}
		}
		w := t.Weight
		if w == 0 {
			w = 1
		}
		if o, ok := r.Config.Weights[t.Name]; ok {
			w = o
		}
		r.Ctx.In("loss_weights").Checked(false).VariableWithValue(fmt.Sprintf("w%d", ti), castScalar(w, r.Config.DType)).SetTrainable(false)
		r.names = append(r.names, t.Name)
	}
	return nil
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

func (r *Run) inputsAny() []any {
	a := make([]any, len(r.inputs))
	for i, t := range r.inputs {
		a[i] = t
	}
	return a
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

// Resumable reports whether a checkpoint of the run's current state lets a resume end
// exactly as an uninterrupted run would. It is false only after training was
// interrupted inside a quasi-Newton minimisation, whose line-search position (and, for
// L-BFGS, curvature pairs) is not saved: the checkpoint to resume from is then the
// last one before it, at the end of Adam or of a RAD round (a dense method's H is saved
// there), and the resume redoes the interrupted minimisation.
func (r *Run) Resumable() bool { return !r.midQN }

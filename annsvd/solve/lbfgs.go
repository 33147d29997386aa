package solve

import (
	"fmt"
	"math"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/optimize"
)

// LBFGSReport says how an L-BFGS phase went: how many iterations and evaluations it
// took and why it stopped (never silently).
type LBFGSReport struct {
	Iterations int     `json:"iterations"`
	FuncEvals  int     `json:"func_evals"`
	GradEvals  int     `json:"grad_evals"`
	Status     string  `json:"status"`
	Reason     string  `json:"reason"`
	LossBefore float64 `json:"loss_before"`
	LossAfter  float64 `json:"loss_after"`
	WallS      float64 `json:"wall_s"`
}

// NumParams returns the number of trainable scalars (the length of the flat vector).
func (r *Run) NumParams() int {
	n := 0
	for _, v := range r.trainVars {
		n += v.Shape().Size()
	}
	return n
}

// FlatParams returns the trainable variables concatenated in a fixed order (sorted by
// scope and name).
func (r *Run) FlatParams() []float64 {
	out := make([]float64, 0, r.NumParams())
	for _, v := range r.trainVars {
		out = append(out, annsvd.TensorFloat64s(v.MustValue())...)
	}
	return out
}

// SetFlatParams writes a flat vector (see FlatParams) back into the variables.
func (r *Run) SetFlatParams(x []float64) error {
	if len(x) != r.NumParams() {
		return fmt.Errorf("solve: flat parameter vector has %d values, want %d", len(x), r.NumParams())
	}
	off := 0
	for _, v := range r.trainVars {
		n := v.Shape().Size()
		if err := v.SetValue(tensorOf(append([]float64(nil), x[off:off+n]...), r.Config.DType, v.Shape().Dimensions...)); err != nil {
			return fmt.Errorf("solve: setting %s: %w", v.ScopeAndName(), err)
		}
		off += n
	}
	return nil
}

// LossAndGrad evaluates the weighted loss, the per-term losses and the gradient with
// respect to the flat parameters at the current variable values.
func (r *Run) LossAndGrad() (loss float64, terms, grad []float64, err error) {
	if r.lossExec == nil {
		r.lossExec, err = context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			total, termNodes := r.LossGraph(ctx, inputs)
			vals := make([]*Node, len(r.trainVars))
			for i, v := range r.trainVars {
				vals[i] = v.ValueGraph(total.Graph())
			}
			grads := Gradient(total, vals...)
			return append(append([]*Node{total}, termNodes...), grads...)
		})
		if err != nil {
			return 0, nil, nil, fmt.Errorf("solve: building the loss-and-gradient graph: %w", err)
		}
	}
	outs, err := r.lossExec.Exec(r.inputsAny()...)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("solve: loss-and-gradient: %w", err)
	}
	loss = scalarOf(outs[0])
	nt := len(r.Terms)
	for _, t := range outs[1 : 1+nt] {
		terms = append(terms, scalarOf(t))
	}
	grad = make([]float64, 0, r.NumParams())
	for _, t := range outs[1+nt:] {
		grad = append(grad, annsvd.TensorFloat64s(t)...)
	}
	return loss, terms, grad, nil
}

// lbfgsRecorder records the history at every major iteration.
type lbfgsRecorder struct {
	r     *Run
	total int
	terms []float64
}

func (rec *lbfgsRecorder) Init() error { return nil }

func (rec *lbfgsRecorder) Record(loc *optimize.Location, op optimize.Operation, stats *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	r := rec.r
	r.Step++
	r.History.add(r.Step, "lbfgs", loc.F, r.names, rec.terms, time.Since(r.start).Seconds())
	if r.Config.Progress != nil {
		r.Config.Progress(Progress{Phase: "lbfgs", Step: stats.MajorIterations, Total: rec.total, Loss: loc.F, Elapsed: time.Since(r.start)})
	}
	return nil
}

// LBFGS minimises the loss with gonum's L-BFGS (More–Thuente line search) for at most
// iters iterations, starting from the current variables, and leaves the best point
// found in the variables. It stops on the iteration limit, on gradient ‖g‖∞ < 1e-10, or
// when the loss changed by less than 1e-12 (relative) over 50 iterations; the report
// says which, or which failure (e.g. a line search that cannot make progress in the
// model's precision).
func (r *Run) LBFGS(iters int) (LBFGSReport, error) {
	var rep LBFGSReport
	if iters <= 0 {
		return rep, nil
	}
	t0 := time.Now()
	x0 := r.FlatParams()
	// Cache: gonum asks for F and G at the same x separately.
	var lastX []float64
	var lastF float64
	var lastG []float64
	rec := &lbfgsRecorder{r: r, total: iters}
	var evalErr error
	eval := func(x []float64) (float64, []float64) {
		if lastX != nil && equal(lastX, x) {
			return lastF, lastG
		}
		if err := r.SetFlatParams(x); err != nil {
			evalErr = err
			return math.NaN(), make([]float64, len(x))
		}
		f, terms, g, err := r.LossAndGrad()
		if err != nil {
			evalErr = err
			return math.NaN(), make([]float64, len(x))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = math.Inf(1) // the line search backs off from non-finite points
		}
		lastX, lastF, lastG, rec.terms = append(lastX[:0], x...), f, g, terms
		return f, g
	}
	problem := optimize.Problem{
		Func: func(x []float64) float64 { f, _ := eval(x); return f },
		Grad: func(grad, x []float64) { _, g := eval(x); copy(grad, g) },
	}
	f0, _ := eval(x0)
	rep.LossBefore = f0
	settings := &optimize.Settings{
		MajorIterations:   iters,
		GradientThreshold: 1e-10,
		Converger:         &optimize.FunctionConverge{Relative: 1e-12, Iterations: 50},
		Recorder:          rec,
	}
	method := &optimize.LBFGS{Store: r.Config.LBFGSHistory, Linesearcher: &optimize.MoreThuente{}}
	res, err := optimize.Minimize(problem, x0, settings, method)
	rep.WallS = time.Since(t0).Seconds()
	if evalErr != nil {
		return rep, evalErr
	}
	if res == nil {
		return rep, fmt.Errorf("solve: L-BFGS: %w", err)
	}
	rep.Iterations, rep.FuncEvals, rep.GradEvals = res.Stats.MajorIterations, res.Stats.FuncEvaluations, res.Stats.GradEvaluations
	rep.Status = res.Status.String()
	rep.Reason = describeStatus(res.Status, iters)
	if err != nil {
		rep.Reason = fmt.Sprintf("%s: %v", rep.Reason, err)
	}
	// Keep the best point found (res.X); never end worse than we started.
	best := res.X
	if !(res.F <= f0) {
		best = x0
	}
	if serr := r.SetFlatParams(best); serr != nil {
		return rep, serr
	}
	rep.LossAfter = math.Min(res.F, f0)
	return rep, nil
}

func describeStatus(s optimize.Status, iters int) string {
	switch s {
	case optimize.IterationLimit:
		return fmt.Sprintf("reached the iteration limit (%d)", iters)
	case optimize.GradientThreshold:
		return "gradient ‖g‖∞ below 1e-10"
	case optimize.FunctionConvergence:
		return "loss changed by less than 1e-12 (relative) over 50 iterations"
	case optimize.Failure:
		return "line search failed to make progress (loss at the model's precision limit)"
	}
	return s.String()
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

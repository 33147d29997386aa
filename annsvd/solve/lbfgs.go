package solve

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
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
	// Method is the quasi-Newton method (Config.QN).
	Method string `json:"method,omitempty"`
	// DType is the precision L-BFGS ran in.
	DType string `json:"dtype,omitempty"`
	// Updates and Skipped count the dense methods' applied and skipped updates of H.
	Updates int `json:"updates,omitempty"`
	Skipped int `json:"skipped_updates,omitempty"`
	// Restarts counts the restarts after line-search failures.
	Restarts int `json:"restarts,omitempty"`
	// Attempts describes each L-BFGS attempt (iterations, loss, reason).
	Attempts []string `json:"attempts,omitempty"`
	// Notes are further remarks (e.g. why the float64 copy was not used).
	Notes []string `json:"notes,omitempty"`
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
		if err := v.SetValue(annsvd.TensorOf(append([]float64(nil), x[off:off+n]...), r.Config.DType, v.Shape().Dimensions...)); err != nil {
			return fmt.Errorf("solve: setting %s: %w", v.ScopeAndName(), err)
		}
		off += n
	}
	return nil
}

// LossAndGrad evaluates the weighted loss, the per-term losses and the gradient with
// respect to the flat parameters at the current variable values.
//
// A data-parallel run (see Workers) evaluates on its workers and adds their parts.
func (r *Run) LossAndGrad() (loss float64, terms, grad []float64, err error) {
	pool, err := r.workerPool()
	if err != nil {
		return 0, nil, nil, err
	}
	if pool != nil {
		e, err := pool.eval()
		if err != nil {
			return 0, nil, nil, err
		}
		return e.loss, e.terms, e.grad, nil
	}
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
	nt := len(r.names) // problem terms, then regularizers
	for _, t := range outs[1 : 1+nt] {
		terms = append(terms, scalarOf(t))
	}
	grad = make([]float64, 0, r.NumParams())
	for _, t := range outs[1+nt:] {
		grad = append(grad, annsvd.TensorFloat64s(t)...)
	}
	return loss, terms, grad, nil
}

// lbfgsRecorder records the history of the owner run at every major iteration.
type lbfgsRecorder struct {
	r     *Run
	total int
	done  int // iterations of earlier attempts
	terms []float64
}

func (rec *lbfgsRecorder) Init() error { return nil }

func (rec *lbfgsRecorder) Record(loc *optimize.Location, op optimize.Operation, stats *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	r := rec.r
	r.Step++
	r.History.add(r.Step, string(r.Config.QN), loc.F, r.names, rec.terms, time.Since(r.start).Seconds())
	r.reportLBFGS(rec.done+stats.MajorIterations, rec.total, loc.F, false)
	if r.stopRequested() {
		return errStop
	}
	return nil
}

// phaseProgress places the iterations of one L-BFGS call within a phase of rounds.
type phaseProgress struct {
	base, total   int // iterations of the phase before this call; of the whole phase
	round, rounds int
	note          string
}

// reportLBFGS reports L-BFGS progress: done of total iterations of the current call,
// placed within the phase of rounds when one is running.
func (r *Run) reportLBFGS(done, total int, loss float64, last bool) {
	if r.Config.Progress == nil {
		return
	}
	p := Progress{Phase: string(r.Config.QN), Step: done, Total: total, Loss: loss, Elapsed: time.Since(r.start), Done: last}
	if ph := r.phase; ph.total > 0 {
		p.Step, p.Total, p.Round, p.Rounds, p.Note = ph.base+done, ph.total, ph.round, ph.rounds, ph.note
	}
	r.Config.Progress(p)
}

// errStop ends gonum's minimisation when Config.Stop asks for it.
var errStop = errors.New("stop requested (Config.Stop)")

// LBFGSOptions tune the L-BFGS phase; the zero value is the default.
type LBFGSOptions struct {
	// ModelPrecision runs L-BFGS in the run's own dtype. By default a float32 run is
	// optimised by L-BFGS in float64 (a shadow copy of the run: same points, weights and
	// network; the result is copied back), because in float32 the line search stops
	// within a few hundred iterations once the loss changes fall below the float32
	// resolution.
	ModelPrecision bool
	// Restarts is how many times a line-search failure that still made progress
	// restarts L-BFGS (fresh curvature history) from the best point (0: 3 for L-BFGS;
	// unbounded for the dense methods, which reset H to the identity and go on until
	// the budget ends or an attempt from a fresh H makes no progress; < 0: none).
	Restarts int
}

// LBFGS runs LBFGSWith with the default options: float64 arithmetic and up to 3
// restarts after line-search failures.
func (r *Run) LBFGS(iters int) (LBFGSReport, error) { return r.LBFGSWith(iters, LBFGSOptions{}) }

// qnEvaluator returns the run that evaluates the loss and gradient of the quasi-Newton
// phase: a float64 copy of r unless opts.ModelPrecision or r is float64 already (or the
// copy cannot be made, noted in rep); rep.DType says which precision runs.
func (r *Run) qnEvaluator(opts LBFGSOptions, rep *LBFGSReport) *Run {
	rep.DType = r.Config.DType.String()
	if opts.ModelPrecision || r.Config.DType == dtypes.Float64 {
		return r
	}
	s, err := r.float64Shadow()
	if err != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("float64 copy unavailable (%v): L-BFGS in %s", err, r.Config.DType))
		return r
	}
	rep.DType = dtypes.Float64.String()
	return s
}

// LBFGSWith minimises the loss with gonum's L-BFGS (More–Thuente line search) for at
// most iters iterations in all, starting from the current variables, and leaves the
// best point found in the variables. Config.Stop is polled after every iteration; when
// it reports true L-BFGS stops there (best point kept) with an error wrapping
// ErrInterrupted. An attempt stops on the iteration limit, on
// gradient ‖g‖∞ < 1e-10, when the loss changed by less than 1e-12 (relative) over 50
// iterations, or on a line-search failure; after a failure that still lowered the loss
// L-BFGS restarts (up to opts.Restarts times). The report gives the iterations and
// evaluations of all attempts, the precision used and each attempt's reason.
func (r *Run) LBFGSWith(iters int, opts LBFGSOptions) (LBFGSReport, error) {
	var rep LBFGSReport
	if iters <= 0 {
		return rep, nil
	}
	t0 := time.Now()
	restarts := opts.Restarts
	if restarts == 0 {
		restarts = 3
		if r.Config.QN.Dense() {
			restarts = math.MaxInt
		}
	}
	rep.Method = string(r.Config.QN)
	eval := r.qnEvaluator(opts, &rep)
	rec := &lbfgsRecorder{r: r, total: iters}
	var up0, sk0 int
	if d := r.dense; d != nil {
		up0, sk0 = d.Updates, d.Skipped
	}
	first := true
	for attempt := 0; ; attempt++ {
		kept := r.dense.Kept() // the attempt starts from H learnt before
		a, err := eval.lbfgsAttempt(iters-rec.done, rec)
		if err != nil {
			return rep, err
		}
		if first {
			rep.LossBefore, first = a.LossBefore, false
		}
		rep.Iterations += a.Iterations
		rep.FuncEvals += a.FuncEvals
		rep.GradEvals += a.GradEvals
		rep.Status, rep.Reason, rep.LossAfter = a.Status, a.Reason, a.LossAfter
		rep.Attempts = append(rep.Attempts, fmt.Sprintf("%d iterations, loss %.6g → %.6g: %s", a.Iterations, a.LossBefore, a.LossAfter, a.Reason))
		rec.done += a.Iterations
		if r.stopped {
			rep.Reason = fmt.Sprintf("interrupted after %d of %d iterations", rec.done, iters)
			break
		}
		// An attempt that made no progress ends the phase, unless it started from a kept
		// H (learnt on other points or before a failure): then it is retried from H = I.
		progressed := a.LossAfter < a.LossBefore*(1-1e-9) || kept
		if r.stopped || a.Status != optimize.Failure.String() || rec.done >= iters || attempt >= restarts || !progressed {
			break
		}
		rep.Restarts++
		if r.dense != nil {
			r.dense.Reset() // a failed line search: start again from H = I
		}
	}
	if d := r.dense; d != nil {
		rep.Updates, rep.Skipped = d.Updates-up0, d.Skipped-sk0
	}
	if rec.done < iters && rep.Status == optimize.Failure.String() && !r.stopped {
		rep.Reason += fmt.Sprintf(" (stopped after %d restarts at %d of %d iterations)", rep.Restarts, rec.done, iters)
	}
	if eval != r {
		if err := copyNetVars(r, eval); err != nil {
			return rep, err
		}
	}
	rep.WallS = time.Since(t0).Seconds()
	r.lbfgsDone += rep.Iterations
	// gonum does not record the iteration that ends a minimisation: report it, and
	// close the phase unless more rounds follow.
	r.reportLBFGS(rec.done, iters, rep.LossAfter, r.phase.total == 0)
	if r.stopped {
		r.midQN = true
		return rep, fmt.Errorf("solve: %w after L-BFGS iteration %d (step %d)", ErrInterrupted, rec.done, r.Step)
	}
	return rep, nil
}

// lbfgsAttempt runs one gonum L-BFGS minimisation on r (which may be a float64 shadow
// of rec.r) and leaves the best point in r's variables.
func (r *Run) lbfgsAttempt(iters int, rec *lbfgsRecorder) (LBFGSReport, error) {
	var rep LBFGSReport
	x0 := r.FlatParams()
	// Cache: gonum asks for F and G at the same x separately.
	var lastX []float64
	var lastF float64
	var lastG []float64
	var evalErr error
	eval := func(x []float64) (float64, []float64) {
		if lastX != nil && slices.Equal(lastX, x) {
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
	if evalErr != nil {
		return rep, evalErr
	}
	rep.LossBefore = f0
	settings := &optimize.Settings{
		MajorIterations:   iters,
		GradientThreshold: gradThreshold(rec.r.Config.QN),
		Converger:         &optimize.FunctionConverge{Relative: 1e-12, Iterations: 50},
		Recorder:          rec,
	}
	var method optimize.Method = &optimize.LBFGS{Store: r.Config.LBFGSHistory, Linesearcher: &optimize.MoreThuente{}}
	if u := rec.r.Config.QN; u.Dense() {
		// The state lives on the owner run (r may be its float64 copy), so H carries
		// over rounds; a reset comes only after a failed line search.
		if rec.r.dense == nil || rec.r.dense.Update != u {
			rec.r.dense = &DenseQN{Update: u, GradStopThreshold: math.NaN()}
		}
		method = rec.r.dense
	}
	res, err := optimize.Minimize(problem, x0, settings, method)
	if evalErr != nil {
		return rep, evalErr
	}
	if res == nil && rec.r.stopped {
		return rep, r.SetFlatParams(x0)
	}
	if res == nil {
		return rep, fmt.Errorf("solve: L-BFGS: %w", err)
	}
	rep.Iterations, rep.FuncEvals, rep.GradEvals = res.Stats.MajorIterations, res.Stats.FuncEvaluations, res.Stats.GradEvaluations
	rep.Status = res.Status.String()
	rep.Reason = describeStatus(res.Status, iters, gradThreshold(rec.r.Config.QN))
	if rec.r.stopped {
		rep.Reason = "interrupted (Config.Stop)"
	} else if err != nil {
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

// float64Shadow returns a float64 copy of the run: the same problem, current term
// points, loss weights and network variables. The copy is kept and refreshed on later
// calls (new points of the same counts, weights, variables), so its compiled
// loss-and-gradient executable serves every L-BFGS round; it is rebuilt only when a
// shape changed (point counts, ranks).
func (r *Run) float64Shadow() (*Run, error) {
	if s := r.shadow; s != nil {
		if err := s.refreshFrom(r); err == nil {
			return s, nil
		}
		r.shadow = nil
	}
	cfg := r.Config
	cfg.DType, cfg.Hooks, cfg.Progress, cfg.Weights = dtypes.Float64, nil, nil, nil
	netCfg := r.Net.Config
	netCfg.DType = dtypes.Float64
	s, err := NewRun(r.Backend, r.Problem, netCfg, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.refreshFrom(r); err != nil {
		return nil, err
	}
	s.Invalidate()
	r.shadow = s
	return s, nil
}

// refreshFrom gives the shadow s the owner's current points, weights and network
// variables; an error means a shape differs and s must be rebuilt.
func (s *Run) refreshFrom(r *Run) error {
	if len(s.Terms) != len(r.Terms) {
		return fmt.Errorf("solve: float64 copy has %d terms, want %d", len(s.Terms), len(r.Terms))
	}
	for i := range r.Terms {
		if len(s.Terms[i].Points) != len(r.Terms[i].Points) || (s.Terms[i].Data == nil) != (r.Terms[i].Data == nil) {
			return fmt.Errorf("solve: float64 copy: term %s changed its point count", r.Terms[i].Name)
		}
	}
	s.Terms = slices.Clone(r.Terms)
	s.rebuildInputs()
	for _, name := range r.names {
		w, err := r.Weight(name)
		if err != nil {
			return err
		}
		if err := s.SetWeight(name, w); err != nil {
			return err
		}
	}
	return copyNetVars(s, r)
}

// copyNetVars copies the values of the network variables, the other trainable
// variables (e.g. an inverse problem's unknown coefficient) and the RBA multipliers of
// src into dst (same scopes, names and shapes), converting to dst's dtype.
func copyNetVars(dst, src *Run) error {
	_, err := copyVars(dst, src, func(v *context.Variable) bool {
		return isNetVar(v) || v.Trainable || v.Scope() == "/"+RBAScope
	})
	return err
}

// CopyNetwork copies the values of every network variable (scope annsvd.NetScope) of src
// into the same variables of dst, which must have the same architecture (same scopes,
// names and shapes); values are converted to dst's dtype. It starts a run from a
// trained one, e.g. on a new problem parameter.
func CopyNetwork(dst, src *Run) error {
	n, err := copyVars(dst, src, isNetVar)
	if err == nil && n == 0 {
		err = fmt.Errorf("solve: the source run has no network variables")
	}
	return err
}

// isNetVar reports whether v belongs to the network (scope annsvd.NetScope).
func isNetVar(v *context.Variable) bool {
	net := "/" + annsvd.NetScope
	return v.Scope() == net || strings.HasPrefix(v.Scope(), net+context.ScopeSeparator)
}

// copyVars copies the variables of src that keep selects, and that have a value, into
// their counterparts in dst (converted to dst's dtype), and returns how many it copied.
func copyVars(dst, src *Run, keep func(*context.Variable) bool) (int, error) {
	n := 0
	for v := range src.Ctx.IterVariables() {
		if !keep(v) || !v.HasValue() {
			continue
		}
		d := dst.Ctx.InspectVariable(v.Scope(), v.Name())
		if d == nil || !slices.Equal(d.Shape().Dimensions, v.Shape().Dimensions) {
			got := "none"
			if d != nil {
				got = fmt.Sprint(d.Shape().Dimensions)
			}
			return n, fmt.Errorf("solve: variable %s of shape %v has no counterpart of that shape in the destination run (%s)", v.ScopeAndName(), v.Shape().Dimensions, got)
		}
		t := annsvd.TensorOf(annsvd.TensorFloat64s(v.MustValue()), dst.Config.DType, v.Shape().Dimensions...)
		if err := d.SetValue(t); err != nil {
			return n, fmt.Errorf("solve: setting %s: %w", v.ScopeAndName(), err)
		}
		n++
	}
	return n, nil
}

// gradThreshold is the ‖g‖∞ that ends a quasi-Newton attempt: 1e-10 for L-BFGS, 1e-14
// for the dense methods, which are meant to go far below L-BFGS's losses.
func gradThreshold(u QNUpdate) float64 {
	if u.Dense() {
		return 1e-14
	}
	return 1e-10
}

func describeStatus(s optimize.Status, iters int, gradTol float64) string {
	switch s {
	case optimize.IterationLimit:
		return fmt.Sprintf("reached the iteration limit (%d)", iters)
	case optimize.GradientThreshold:
		return fmt.Sprintf("gradient ‖g‖∞ below %g", gradTol)
	case optimize.FunctionConvergence:
		return "loss changed by less than 1e-12 (relative) over 50 iterations"
	case optimize.Failure:
		return "line search failed to make progress (loss at the model's precision limit)"
	}
	return s.String()
}

package solve

// Data-parallel evaluation over collocation points (Config.Workers).
//
// GoMLX v0.26.0's pure-Go executor runs one op at a time (its parallel executor
// deadlocks or races), so a run uses one core. K workers — each a copy of the run on
// its own pure-Go backend, holding a fixed contiguous shard of every loss term's points
// — evaluate their part of the loss and its gradient concurrently; the host adds the
// parts in worker order (so a run is bit-identical run to run for a given K) and then
// updates once: Adam through a GoMLX graph that takes the summed gradients, the
// quasi-Newton methods on the host as before.
//
// Exactness: every term's loss is a mean over its points, mean(r²) or mean(λ²·r²) with
// RBA, of a pointwise residual. Worker k holds n_k of term t's N points and gives the
// term the weight w·n_k/N, so its total is Σ_t w_t·(n_k/N_t)·mean_k and the sum over the
// workers is the full loss (and, by linearity, its gradient). Regularizers depend on
// the variables only and are counted by worker 0 alone, and so is a term marked
// annsvd.Term.Coupled (rows depending on other points): every worker holds all of its
// points (so the graphs keep their shapes) with weight 0 except worker 0. RBA multipliers are sharded like the points; in an Adam step
// the workers return |r| and the host applies λ ← γλ + η|r|/max|r| with the maximum
// over all points, as the single-worker graph does.

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// newReplica creates a worker's backend (a variable so that tests can count the
// graphs the workers build).
var newReplica = engine.Replica

// workerCount is the number of data-parallel workers of a run on b with these terms:
// cfg.Workers, or engine.Workers (the CPUs of the pure-Go engine) limited to the point
// count of the smallest term that is split (every worker needs a point of each). An
// explicit count above that limit, or above 1 on XLA, is an error naming the range.
func workerCount(b backends.Backend, cfg Config, terms []annsvd.Term) (int, error) {
	if cfg.Workers > 1 && !engine.Parallel(b) {
		return 0, fmt.Errorf("solve: workers %d need the pure-Go engine: %s uses every core itself (use 1, or leave it unset)", cfg.Workers, engine.Describe(b))
	}
	k := cfg.Workers
	if k == 0 {
		var err error
		if k, err = engine.Workers(b); err != nil {
			return 0, fmt.Errorf("solve: %w", err)
		}
	}
	if k <= 1 {
		return 1, nil
	}
	limit, smallest := math.MaxInt, ""
	for _, t := range terms {
		if !t.Coupled && len(t.Points) < limit {
			limit, smallest = len(t.Points), t.Name
		}
	}
	if k > limit {
		if cfg.Workers > 0 {
			return 0, fmt.Errorf("solve: workers %d out of range [1, %d]: term %s has %d points", k, limit, smallest, limit)
		}
		k = limit
	}
	return k, nil
}

// Workers returns the number of data-parallel workers the run evaluates its loss and
// gradient on (see Config.Workers; 1: its own backend alone).
func (r *Run) Workers() (int, error) { return workerCount(r.Backend, r.Config, r.Terms) }

// CheckWorkers reports, before anything is built, whether cfg's worker count can train
// problem p on b (see Config.Workers): more than one worker needs the pure-Go engine
// and a point of every split term each, and $ANNSVD_WORKERS, when the count is left to
// it, must be valid.
func CheckWorkers(b backends.Backend, p *annsvd.Problem, cfg Config) error {
	if p == nil || p.Terms == nil {
		return errors.New("solve: problem has no loss terms")
	}
	terms, err := p.Terms(cfg.Seed)
	if err != nil {
		return err
	}
	_, err = workerCount(b, cfg, terms)
	return err
}

// workerPool evaluates its owner run's loss, per-term losses and gradient on K worker
// runs at once.
type workerPool struct {
	owner *Run
	runs  []*Run
	execs []*context.Exec
	// lo[k][t], hi[k][t]: worker k holds rows [lo, hi) of term t, which enter its loss
	// with the share share[k][t] of the term's weight.
	lo, hi [][]int
	share  [][]float64
	gen    int       // the owner's inputs generation the shards were cut from
	pairs  []varPair // owner variables the workers copy before each evaluation
	// attended lists the terms with RBA multipliers.
	attended []int
	weights  []float64 // the owner's term weights the workers were given
}

// varPair is an owner variable and its counterparts in the workers.
type varPair struct {
	src *context.Variable
	dst []*context.Variable
}

// poolEval is one data-parallel evaluation.
type poolEval struct {
	loss  float64
	terms []float64
	grad  []float64 // in the owner's flat parameter order
	// absRes holds |r| at all points of each attended term (in pool.attended order).
	absRes [][]float64
}

// workerPool returns the run's pool, building it on first use; nil when the run
// evaluates on one worker.
func (r *Run) workerPool() (*workerPool, error) {
	if r.pool != nil {
		return r.pool, nil
	}
	k, err := r.Workers()
	if err != nil {
		return nil, err
	}
	if k <= 1 {
		return nil, nil
	}
	p, err := newWorkerPool(r, k)
	if err != nil {
		return nil, err
	}
	r.pool = p
	return p, nil
}

func newWorkerPool(r *Run, k int) (_ *workerPool, err error) {
	p := &workerPool{owner: r, gen: -1}
	defer func() {
		if err != nil {
			p.close() // release the backends of the workers built so far
		}
	}()
	cfg := r.Config
	cfg.Workers = 1
	cfg.AdamSteps, cfg.LBFGSIters = 0, 0
	cfg.Hooks, cfg.Progress, cfg.Stop, cfg.Weights, cfg.ResumeFrom = nil, nil, nil, nil, ""
	for i := range k {
		b, err := newReplica(r.Backend)
		if err != nil {
			return nil, fmt.Errorf("solve: worker %d of %d: %w", i+1, k, err)
		}
		c := cfg
		if i > 0 { // regularizers are counted once, by worker 0
			c.Regularizers = make([]Regularizer, len(cfg.Regularizers))
			for j, reg := range cfg.Regularizers {
				loss := reg.Loss
				c.Regularizers[j] = Regularizer{Name: reg.Name, Loss: func(ctx *context.Context, g *Graph) *Node {
					return MulScalar(loss(ctx, g), 0)
				}}
			}
		}
		w, err := NewRun(b, r.Problem, r.Net.Config, c)
		if err != nil {
			b.Finalize()
			return nil, fmt.Errorf("solve: worker %d of %d: %w", i+1, k, err)
		}
		p.runs = append(p.runs, w)
	}
	p.execs = make([]*context.Exec, k)
	p.lo, p.hi, p.share = make([][]int, k), make([][]int, k), make([][]float64, k)
	for ti := range r.Terms {
		if r.rbaVar(r.Ctx, ti) != nil {
			p.attended = append(p.attended, ti)
		}
	}
	// The variables the loss reads, except the term weights and RBA multipliers, which
	// the workers get scaled and sharded.
	for v := range p.runs[0].Ctx.IterVariables() {
		if v.Scope() == "/loss_weights" || v.Scope() == "/"+RBAScope {
			continue
		}
		src := r.Ctx.InspectVariable(v.Scope(), v.Name())
		if src == nil || !src.HasValue() {
			continue
		}
		vp := varPair{src: src}
		for _, w := range p.runs {
			d := w.Ctx.InspectVariable(v.Scope(), v.Name())
			d.SetTrainable(src.Trainable) // e.g. frozen bases
			vp.dst = append(vp.dst, d)
		}
		p.pairs = append(p.pairs, vp)
	}
	if err := p.copyVars(); err != nil {
		return nil, err
	}
	for i, w := range p.runs {
		w.Invalidate() // the copies may have the owner's shapes (e.g. after a rank change)
		if got, want := w.NumParams(), r.NumParams(); got != want || len(w.trainVars) != len(r.trainVars) {
			return nil, fmt.Errorf("solve: worker %d has %d parameters in %d variables, the run %d in %d", i+1, got, len(w.trainVars), want, len(r.trainVars))
		}
		for j, v := range w.trainVars {
			if v.ScopeAndName() != r.trainVars[j].ScopeAndName() {
				return nil, fmt.Errorf("solve: worker %d variable %s where the run has %s", i+1, v.ScopeAndName(), r.trainVars[j].ScopeAndName())
			}
		}
	}
	return p, nil
}

// copyVars gives every worker the owner's current variable values.
func (p *workerPool) copyVars() error {
	for _, vp := range p.pairs {
		t := vp.src.MustValue()
		for i, d := range vp.dst {
			c, err := t.LocalClone()
			if err == nil {
				err = d.SetValue(c)
			}
			if err != nil {
				return fmt.Errorf("solve: worker %d: copying %s: %w", i+1, vp.src.ScopeAndName(), err)
			}
		}
	}
	return nil
}

// sync brings the workers to the owner's state: shards of the current points (cut
// again when the points changed), scaled weights, sharded RBA multipliers and the
// variables.
func (p *workerPool) sync() error {
	r := p.owner
	K := len(p.runs)
	if p.gen != r.inputsGen {
		for k, w := range p.runs {
			p.lo[k], p.hi[k], p.share[k] = p.lo[k][:0], p.hi[k][:0], p.share[k][:0]
			for ti, t := range r.Terms {
				n := len(t.Points)
				lo, hi := k*n/K, (k+1)*n/K
				share := float64(hi-lo) / float64(n)
				if t.Coupled {
					lo, hi, share = 0, n, 0
					if k == 0 {
						share = 1
					}
				}
				p.lo[k], p.hi[k], p.share[k] = append(p.lo[k], lo), append(p.hi[k], hi), append(p.share[k], share)
				wt := &w.Terms[ti]
				if len(wt.Points) != hi-lo {
					p.execs[k] = nil // a new shard size: compile again
				}
				wt.Points = t.Points[lo:hi]
				wt.Data = nil
				if t.Data != nil {
					wt.Data = t.Data[lo:hi]
				}
				if w.rbaVar(w.Ctx, ti) != nil {
					if err := w.resetRBA(ti); err != nil {
						return err
					}
				}
			}
			w.rebuildInputs()
		}
		p.gen, p.weights = r.inputsGen, nil
	}
	for ti, t := range r.Terms {
		wgt, err := r.Weight(t.Name)
		if err != nil {
			return err
		}
		if len(p.weights) == len(r.Terms) && p.weights[ti] == wgt {
			continue
		}
		for k, w := range p.runs {
			if err := w.SetWeight(t.Name, wgt*p.share[k][ti]); err != nil {
				return err
			}
		}
		if len(p.weights) != len(r.Terms) {
			p.weights = make([]float64, len(r.Terms))
			for i := range p.weights {
				p.weights[i] = math.NaN()
			}
		}
		p.weights[ti] = wgt
	}
	for _, ti := range p.attended {
		lam := annsvd.TensorFloat64s(r.rbaVar(r.Ctx, ti).MustValue())
		for k, w := range p.runs {
			lo, hi := p.lo[k][ti], p.hi[k][ti]
			if err := w.rbaVar(w.Ctx, ti).SetValue(annsvd.TensorOf(lam[lo:hi], r.Config.DType, hi-lo, 1)); err != nil {
				return err
			}
		}
	}
	return p.copyVars()
}

// exec runs worker k's loss-and-gradient graph (built on first use): the total, the
// per-term losses, the gradients and, for attended terms, |r|.
func (p *workerPool) exec(k int) (outs []*tensors.Tensor, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("solve: worker %d: %v", k+1, e)
		}
	}()
	w := p.runs[k]
	if p.execs[k] == nil {
		p.execs[k], err = context.NewExec(w.Backend, w.Ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			var absRes []*Node
			total, termNodes := w.lossGraphRes(ctx, inputs, false, &absRes)
			vals := make([]*Node, len(w.trainVars))
			for i, v := range w.trainVars {
				vals[i] = v.ValueGraph(total.Graph())
			}
			outs := append([]*Node{total}, termNodes...)
			return append(append(outs, Gradient(total, vals...)...), absRes...)
		})
		if err != nil {
			return nil, fmt.Errorf("solve: worker %d: building the loss-and-gradient graph: %w", k+1, err)
		}
	}
	outs, err = p.execs[k].Exec(w.inputsAny()...)
	if err != nil {
		return nil, fmt.Errorf("solve: worker %d: loss-and-gradient: %w", k+1, err)
	}
	return outs, nil
}

// eval evaluates the owner's loss and gradient at its current state on all workers at
// once and adds the parts in worker order.
func (p *workerPool) eval() (*poolEval, error) {
	if err := p.sync(); err != nil {
		return nil, err
	}
	r := p.owner
	K := len(p.runs)
	outs := make([][]*tensors.Tensor, K)
	errs := make([]error, K)
	var wg sync.WaitGroup
	for k := range K {
		wg.Go(func() { outs[k], errs[k] = p.exec(k) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	nt := len(r.names)
	e := &poolEval{terms: make([]float64, nt), grad: make([]float64, r.NumParams())}
	for k, o := range outs {
		e.loss += scalarOf(o[0])
		for i := range nt {
			v := scalarOf(o[1+i])
			if i < len(r.Terms) { // a mean over the shard: weigh by its share
				v *= p.share[k][i]
			}
			e.terms[i] += v
		}
		off := 0
		for _, g := range o[1+nt : 1+nt+len(r.trainVars)] {
			vals := annsvd.TensorFloat64s(g)
			for j, x := range vals {
				e.grad[off+j] += x
			}
			off += len(vals)
		}
	}
	for a, ti := range p.attended {
		var all []float64
		for k, o := range outs {
			if r.Terms[ti].Coupled && k > 0 {
				break
			}
			all = append(all, annsvd.TensorFloat64s(o[1+nt+len(r.trainVars)+a])...)
		}
		e.absRes = append(e.absRes, all)
	}
	return e, nil
}

// close releases the workers' backends.
func (p *workerPool) close() {
	for _, w := range p.runs {
		if w.Backend != nil {
			w.Backend.Finalize()
		}
	}
}

// buildAdamApply builds the Adam update of a data-parallel run: GoMLX's Adam applied
// to gradients given as inputs (in the flat parameter order).
func (r *Run) buildAdamApply(opt gradientUpdater) error {
	index := map[string]int{}
	for i, v := range r.trainVars {
		index[v.ScopeAndName()] = i
	}
	e, err := context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, inputs []*Node) *Node {
		g := inputs[0].Graph()
		var grads []*Node // in the order Adam visits the variables
		for v := range ctx.IterVariables() {
			if !v.Trainable {
				continue
			}
			i, ok := index[v.ScopeAndName()]
			if !ok {
				panic(fmt.Sprintf("solve: trainable variable %s is not a parameter of the run", v.ScopeAndName()))
			}
			v.ValueGraph(g) // in use by the graph, so that Adam updates it
			grads = append(grads, inputs[i])
		}
		opt.UpdateGraphWithGradients(ctx, grads, r.Config.DType)
		return allFinite(inputs...)
	})
	if err != nil {
		return fmt.Errorf("solve: building the Adam update: %w", err)
	}
	r.adamExec = e
	return nil
}

// parallelAdamStep is one Adam step of a data-parallel run: the workers' loss and
// gradient, then (when finite) the update and the RBA multipliers' next values.
func (r *Run) parallelAdamStep() (loss float64, finite bool, terms []float64, err error) {
	e, err := r.pool.eval()
	if err != nil {
		return 0, false, nil, err
	}
	finite = !math.IsNaN(e.loss) && !math.IsInf(e.loss, 0)
	for _, g := range e.grad {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			finite = false
			break
		}
	}
	if !finite {
		return e.loss, false, e.terms, nil
	}
	args := make([]any, len(r.trainVars))
	off := 0
	for i, v := range r.trainVars {
		n := v.Shape().Size()
		args[i] = annsvd.TensorOf(e.grad[off:off+n], r.Config.DType, v.Shape().Dimensions...)
		off += n
	}
	if _, err := r.adamExec.Exec(args...); err != nil {
		return 0, false, nil, fmt.Errorf("solve: Adam update: %w", err)
	}
	rba := r.Config.RBA.withDefaults()
	for a, ti := range r.pool.attended {
		abs := e.absRes[a]
		mx := 0.0
		for _, x := range abs {
			mx = math.Max(mx, x)
		}
		if mx == 0 {
			continue
		}
		v := r.rbaVar(r.Ctx, ti)
		lam := annsvd.TensorFloat64s(v.MustValue())
		for i := range lam {
			lam[i] = rba.Gamma*lam[i] + rba.Eta*abs[i]/mx
		}
		if err := v.SetValue(annsvd.TensorOf(lam, r.Config.DType, len(lam), 1)); err != nil {
			return 0, false, nil, err
		}
	}
	return e.loss, true, e.terms, nil
}

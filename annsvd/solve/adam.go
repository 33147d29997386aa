package solve

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

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
	if n <= 0 {
		return nil
	}
	if r.adamExec == nil {
		if err := r.buildAdam(); err != nil {
			return err
		}
	}
	every := r.Config.LogEvery
	if every <= 0 { // about 200 records over the run's Adam steps (or these n)
		every = max(1, cmp.Or(max(r.Config.AdamSteps, 0), n)/200)
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
			if err := r.recoverNonFinite(good, loss, termVals, rollbacks); err != nil {
				return err
			}
			rollbacks++
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

// recoverNonFinite handles a non-finite Adam step: after rollbacks rollbacks already
// made it gives up once Config.MaxRollbacks is reached, else it rolls back to good,
// scales the learning rate by RollbackLRFactor and records the event.
func (r *Run) recoverNonFinite(good *state, loss float64, termVals []float64, rollbacks int) error {
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
	r.Rollbacks++
	r.History.Events = append(r.History.Events, fmt.Sprintf(
		"step %d: non-finite loss %v; rolled back to step %d, learning rate ×%g → %g (rollback %d of %d)",
		bad, loss, good.step, RollbackLRFactor, lr, rollbacks+1, r.Config.MaxRollbacks))
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

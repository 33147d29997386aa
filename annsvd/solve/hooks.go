package solve

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Hook extends training: AfterStep runs after every Adam step (step is the global step
// count). A hook may change variable values, loss weights, the learning rate, the
// term points or the network structure (the latter two through Run methods that drop
// the compiled graphs). Returning an error stops training with that error.
//
// Hooks implement schedules, adaptive loss weights, resampling, rank adaptation,
// orthogonality retractions and checkpoints without touching the step loop.
//
// A hook that also has a method Check(*Run) error is checked by NewRun, so that bad
// settings are reported before any training.
type Hook interface {
	AfterStep(r *Run, step int) error
}

// RoundResampler is implemented by hooks that redraw collocation points between rounds
// of the quasi-Newton phase (RAD with RADConfig.LBFGSEvery): the phase then runs in
// rounds of RoundLength iterations with ResampleRound between them (see lbfgsRounds).
// RoundLength 0 means no rounds. RoundNote, shown in the progress display, may be "".
type RoundResampler interface {
	RoundLength() int
	ResampleRound(r *Run, step int) error
	RoundNote() string
}

// EventRecorder is implemented by hooks that keep a log of events (RAD's resamplings):
// the run's result reports them, and checkpoints save and restore them.
type EventRecorder interface {
	RecordedEvents() []RADEvent
	RestoreEvents(ev []RADEvent)
}

// Saver is implemented by hooks that write checkpoints (Checkpointer): the quasi-Newton
// phase saves through it when it starts and after each resampling when SavesOnRounds,
// and an interrupted run names LastSaved.
type Saver interface {
	SavesOnRounds() bool
	Save(r *Run) (string, error)
	LastSaved() string
}

// firstHook returns the first of the run's hooks that implements T and passes ok.
func firstHook[T any](r *Run, ok func(T) bool) (T, bool) {
	for _, h := range r.Config.Hooks {
		if x, is := h.(T); is && ok(x) {
			return x, true
		}
	}
	var zero T
	return zero, false
}

// HookSetting is implemented by the hooks whose settings shape the training trajectory
// (learning-rate schedules, RAD, adaptive weights): Setting describes them for the run's
// configuration c. A checkpoint records the settings of the run's hooks, and a resume
// whose hooks describe themselves differently (say, a cosine schedule over a different
// number of Adam steps) is refused, naming both: it would not continue the checkpointed
// run. Hooks that only observe (checkpoints, spectra) need not implement it.
type HookSetting interface {
	Setting(c Config) string
}

// hookSettings returns the settings of the run's hooks that implement HookSetting.
func (r *Run) hookSettings() []string {
	s := []string{}
	for _, h := range r.Config.Hooks {
		if hs, ok := h.(HookSetting); ok {
			s = append(s, hs.Setting(r.Config))
		}
	}
	return s
}

// HookFunc adapts a function to a Hook.
type HookFunc func(r *Run, step int) error

// AfterStep calls f.
func (f HookFunc) AfterStep(r *Run, step int) error { return f(r, step) }

// Invalidate drops the compiled graphs, so they are rebuilt (and recompiled) at their
// next use: call it after changing the structure of the network or the point counts.
func (r *Run) Invalidate() {
	r.adamExec, r.lossExec, r.predExec, r.resExec, r.shadow = nil, nil, nil, nil, nil
	if r.pool != nil {
		r.pool.close()
		r.pool = nil
	}
	r.trainVars = r.trainVars[:0]
	for v := range r.Ctx.IterVariables() {
		if v.Trainable {
			r.trainVars = append(r.trainVars, v)
		}
	}
	sortVars(r.trainVars)
}

// SetTermPoints replaces the points (and data, which may be nil) of term i; a new
// point count triggers recompilation. RBA multipliers of the term start again from λ₀.
func (r *Run) SetTermPoints(i int, points, data [][]float64) error {
	if i < 0 || i >= len(r.Terms) {
		return fmt.Errorf("solve: term index %d out of range [0, %d)", i, len(r.Terms))
	}
	t := &r.Terms[i]
	if err := annsvd.CheckPoints("term "+t.Name, points, len(r.Problem.Coords)); err != nil {
		return err
	}
	if (data == nil) != (t.Data == nil) || (data != nil && len(data) != len(points)) {
		return fmt.Errorf("solve: term %s: data rows (%d) must match points (%d) and the term's layout", t.Name, len(data), len(points))
	}
	samePoints := len(points) == len(t.Points)
	t.Points, t.Data = points, data
	if r.rbaVar(r.Ctx, i) != nil {
		if err := r.resetRBA(i); err != nil { // new points start from λ₀
			return err
		}
	}
	r.rebuildInputs()
	if !samePoints {
		r.Invalidate()
	}
	return nil
}

func (r *Run) rebuildInputs() {
	dim := len(r.Problem.Coords)
	r.inputs = r.inputs[:0]
	r.inputsGen++
	for _, t := range r.Terms {
		r.inputs = append(r.inputs, columns(t.Points, dim, r.Config.DType)...)
		if t.Data != nil {
			r.inputs = append(r.inputs, columns(t.Data, len(t.Data[0]), r.Config.DType)...)
		}
	}
}

// Weight returns the current weight of the named loss term.
func (r *Run) Weight(name string) (float64, error) {
	for ti, t := range r.Terms {
		if t.Name == name {
			return scalarOf(r.Ctx.InspectVariable("/loss_weights", fmt.Sprintf("w%d", ti)).MustValue()), nil
		}
	}
	return 0, fmt.Errorf("solve: no loss term %q (terms: %s)", name, termNames(r.Terms))
}

// SetWeight changes the weight of the named loss term (no recompilation).
func (r *Run) SetWeight(name string, w float64) error {
	if !(w >= 0) || math.IsInf(w, 0) {
		return fmt.Errorf("solve: weight %v of term %q out of range: need a finite weight ≥ 0", w, name)
	}
	for ti, t := range r.Terms {
		if t.Name == name {
			v := r.Ctx.InspectVariable("/loss_weights", fmt.Sprintf("w%d", ti))
			return v.SetValue(annsvd.TensorOf([]float64{w}, r.Config.DType))
		}
	}
	return fmt.Errorf("solve: no loss term %q (terms: %s)", name, termNames(r.Terms))
}

// LR returns Adam's current learning rate.
func (r *Run) LR() float64 {
	if v := r.Ctx.InspectVariable("/"+optimizers.Scope, optimizers.ParamLearningRate); v != nil && v.HasValue() {
		return scalarOf(v.MustValue())
	}
	return r.Config.LR
}

// SetLR changes Adam's learning rate for the following steps (no recompilation).
func (r *Run) SetLR(lr float64) error {
	if !(lr > 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("solve: learning rate %v out of range: need a finite lr > 0", lr)
	}
	v := r.Ctx.InspectVariable("/"+optimizers.Scope, optimizers.ParamLearningRate)
	if v == nil {
		r.Config.LR = lr // the Adam graph is not built yet: it will start with this value
		return nil
	}
	return v.SetValue(annsvd.TensorOf([]float64{lr}, r.Config.DType))
}

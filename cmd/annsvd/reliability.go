package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
)

// reliabilityFlags are train's flags for checkpoints, resuming and reference data.
type reliabilityFlags struct {
	checkpoint, resume, reference string
	every, keep                   int
}

func (rf *reliabilityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&rf.checkpoint, "checkpoint", "", "write checkpoints DIR/ckpt-<step>/ (all variables incl. Adam state, history, settings, resampled points, a SHA-256 of the variables) every -every Adam steps, after each RAD resampling between L-BFGS rounds, at the end and on SIGINT/SIGTERM")
	fs.IntVar(&rf.every, "every", 1000, "checkpoint interval in steps ≥ 1 (with -checkpoint)")
	fs.IntVar(&rf.keep, "keep", solve.DefaultKeep, "number of most recent checkpoints kept ≥ 1 (with -checkpoint)")
	fs.StringVar(&rf.resume, "resume", "", "continue from the latest complete checkpoint under DIR (or the checkpoint DIR itself; unreadable newer ones are skipped with a warning); it must have the same problem, network, dtype, seed and training settings (lr, weights, schedule, RAD, …), else it is refused naming the setting; -adam and -lbfgs are totals (≥ the steps done), so only the remaining steps run")
	fs.StringVar(&rf.reference, "reference", "", "evaluate against FILE.npz in DeepXDE's Burgers.npz layout (x (nx,1), t (nt,1), usol (nx,nt)) instead of the built-in reference; space–time (x, t) problems only")
}

// apply validates the flags against the resolved job, loads the reference, checks the
// checkpoint to resume from (saying on stderr which newer ones it skips, and why), and
// returns the checkpoint hook (nil without -checkpoint).
func (rf *reliabilityFlags) apply(f *trainFlags, j *job, stderr io.Writer) (*solve.Checkpointer, error) {
	if rf.checkpoint == "" {
		for _, name := range []string{"every", "keep"} {
			if f.isSet(name) {
				return nil, usageError{fmt.Errorf("-%s given without -checkpoint", name)}
			}
		}
	}
	if rf.every < 1 {
		return nil, usageError{fmt.Errorf("-every %d out of range: need ≥ 1 steps", rf.every)}
	}
	if rf.keep < 1 {
		return nil, usageError{fmt.Errorf("-keep %d out of range: need ≥ 1 checkpoints", rf.keep)}
	}
	if f.isSet("checkpoint") && rf.checkpoint == "" {
		return nil, usageError{errors.New("-checkpoint is empty: need a directory")}
	}
	if f.isSet("resume") && rf.resume == "" {
		return nil, usageError{errors.New("-resume is empty: need a checkpoint directory")}
	}
	if f.isSet("reference") && rf.reference == "" {
		return nil, usageError{errors.New("-reference is empty: need an .npz file")}
	}
	if rf.reference != "" {
		if !slices.Equal(j.problem.Coords, []string{"x", "t"}) {
			return nil, usageError{fmt.Errorf("-reference %s: problem %s has coordinates %v, a grid reference needs (x, t)",
				rf.reference, j.problem.Name, j.problem.Coords)}
		}
		es, err := problems.LoadGridReference(rf.reference)
		if err != nil {
			return nil, usageError{err}
		}
		j.problem.Reference = func() (*annsvd.EvalSet, error) { return es, nil }
	}
	if rf.resume != "" {
		_, skipped, err := solve.CheckResume(rf.resume, j.problem, j.net, j.train)
		if err != nil {
			return nil, usageError{err}
		}
		for _, s := range skipped {
			fmt.Fprintf(stderr, "warning: %s\n", s)
		}
		j.train.ResumeFrom = rf.resume
	}
	if rf.checkpoint == "" {
		return nil, nil
	}
	if err := checkDirFlag("checkpoint", rf.checkpoint); err != nil {
		return nil, err
	}
	ck := &solve.Checkpointer{Dir: rf.checkpoint, Every: rf.every, Keep: rf.keep}
	j.train.Hooks = append(j.train.Hooks, ck)
	return ck, nil
}

// interruptedError reports training stopped by a signal (exit status 130).
type interruptedError struct{ error }

// stopOnSignal makes SIGINT and SIGTERM request a stop (polled after each step)
// instead of killing the process. release restores the default handling.
func stopOnSignal() (stop func() bool, which func() os.Signal, release func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Pointer[os.Signal]
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			got.Store(&s)
		case <-done:
		}
	}()
	stop = func() bool { return got.Load() != nil }
	which = func() os.Signal {
		if s := got.Load(); s != nil {
			return *s
		}
		return nil
	}
	release = func() { signal.Stop(sigs); close(done) }
	return stop, which, release
}

// trainAndWrite trains the job on b and writes the checkpoint (if any), DIR/prediction.npz
// and DIR/result.json. A signal stops training after the current step; the outputs are
// then written from the state reached (result.json says "interrupted": true) and the
// error is an interruptedError.
func (f *trainFlags) trainAndWrite(j *job, b backends.Backend, ck *solve.Checkpointer, args []string, stdout, stderr io.Writer) error {
	cfg := j.train
	if !f.quiet {
		cfg.Progress = progressFor(stderr, j.spec.String())
	}
	stop, which, release := stopOnSignal()
	cfg.Stop = stop
	res, run, err := solve.Train(b, j.problem, j.net, cfg)
	release()
	interrupted := errors.Is(err, solve.ErrInterrupted) && res != nil
	if err != nil && !interrupted {
		return err
	}
	var wrote []string
	resumeFrom := ""
	if ck != nil && run.Resumable() {
		p, err := ck.Save(run)
		if err != nil {
			return err
		}
		wrote = append(wrote, p)
	} else if ck != nil {
		// Stopped inside a quasi-Newton minimisation: a checkpoint of this state would
		// not resume exactly; the last one (end of Adam or of a RAD round) does.
		if resumeFrom = ck.Last; resumeFrom == "" {
			resumeFrom = run.ResumedFrom
		}
	}
	out := &output{Mode: j.spec.String(), Args: args, ProblemOptions: &j.opts, Result: res}
	printTable(stdout, []*output{out})
	if f.out != "" {
		files, err := writeOut(f.out,
			outFile{"prediction.npz", func(p string) error { return writePrediction(p, res) }},
			outFile{modelDir, func(p string) error { _, err := run.SaveModel(p); return err }},
			outFile{"result.json", func(p string) error { return writeJSON(p, out) }})
		if err != nil {
			return err
		}
		wrote = append(wrote, files...)
	}
	for _, p := range wrote {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	if interrupted && resumeFrom != "" {
		return interruptedError{fmt.Errorf("interrupted by %v at step %d, inside a quasi-Newton minimisation; wrote %v; -resume continues exactly from %s (its last checkpoint before it)", which(), res.Step, wrote, resumeFrom)}
	}
	if interrupted {
		return interruptedError{fmt.Errorf("interrupted by %v at step %d; wrote %v", which(), res.Step, wrote)}
	}
	return nil
}

// writePrediction writes the evaluation points and the predicted u (and the reference
// u) to an .npz file: points (N,d), u_pred (N), u_ref (N); for a grid reference also
// the axes (nx,1), (ny,1) under their coordinate names and usol_pred, usol (nx,ny) in
// DeepXDE's Burgers.npz layout.
func writePrediction(path string, res *solve.Result) error {
	ref, pred := res.Reference, res.Prediction
	if ref == nil || len(pred) != len(ref.U) || len(ref.Points) == 0 {
		return fmt.Errorf("no prediction to write to %s", path)
	}
	n := len(ref.Points)
	arrs := map[string]*npy.Array{
		"points": npy.FromRows(ref.Points),
		"u_pred": {Shape: []int{n}, Data: pred},
		"u_ref":  {Shape: []int{n}, Data: ref.U},
	}
	if g := ref.Grid; g != nil && len(g.X)*len(g.Y) == n && g.XName != "" && g.YName != "" && g.XName != g.YName {
		arrs[g.XName] = &npy.Array{Shape: []int{len(g.X), 1}, Data: g.X}
		arrs[g.YName] = &npy.Array{Shape: []int{len(g.Y), 1}, Data: g.Y}
		arrs["usol_pred"] = &npy.Array{Shape: []int{len(g.X), len(g.Y)}, Data: pred}
		arrs["usol"] = &npy.Array{Shape: []int{len(g.X), len(g.Y)}, Data: ref.U}
	}
	return npy.WriteNPZCompressed(path, arrs)
}

// checkNotEmpty rejects string flags given explicitly with an empty value (which
// would otherwise silently mean "the default").
func (f *trainFlags) checkNotEmpty() error {
	for _, name := range []string{"problem", "mode", "widths", "activation", "svd-layers", "dtype", "deriv", "out"} {
		if fl := f.fs.Lookup(name); fl != nil && f.isSet(name) && fl.Value.String() == "" {
			return usageError{fmt.Errorf("-%s is empty", name)}
		}
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
)

// interruptedError reports training stopped by a signal (exit status 130).
type interruptedError struct{ error }

// trainAndWrite trains the job on b and writes the checkpoint (if any), DIR/prediction.npz
// and DIR/result.json. A signal stops training after the current step; the outputs are
// then written from the state reached (result.json says "interrupted": true) and the
// error is an interruptedError.
func (f *trainFlags) trainAndWrite(j *problems.Job, b backends.Backend, args []string, stdout, stderr io.Writer) error {
	cfg := j.Train
	cfg.Progress = f.progress(stderr, j.Spec.String())
	stop, which, release := solve.StopOnSignal()
	cfg.Stop = stop
	res, run, err := solve.Train(b, j.Problem, j.Net, cfg)
	release()
	interrupted := errors.Is(err, solve.ErrInterrupted) && res != nil
	if err != nil && !interrupted {
		return err
	}
	var wrote []string
	resumeFrom, ck := "", j.Checkpointer
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
	out := &output{Mode: j.Spec.String(), Args: args, ProblemOptions: &j.Options, Result: res}
	printRows(stdout, []*output{out})
	if f.out != "" {
		outs := []atomicio.File{{Name: modelDir, Write: func(p string) error { _, err := run.SaveModel(p); return err }},
			{Name: "result.json", Write: func(p string) error { return atomicio.WriteJSON(p, out) }}}
		if res.Reference != nil { // a problem without a reference has no prediction to write
			outs = append([]atomicio.File{{Name: "prediction.npz", Write: func(p string) error { return solve.WritePrediction(p, res) }}}, outs...)
		}
		files, err := atomicio.WriteDir(f.out, outs...)
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

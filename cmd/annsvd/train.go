package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/viz/pinnplot"
	"github.com/gomlx/gomlx/backends"
)

// trainFlags are the flags of train and compare: the job's overrides (problems.Overrides
// registers them) and the command's own.
type trainFlags struct {
	fs    *flag.FlagSet
	o     *problems.Overrides
	out   string
	quiet bool
}

func newTrainFlags(name string, train bool) *trainFlags {
	f := &trainFlags{fs: flag.NewFlagSet("annsvd "+name, flag.ContinueOnError), o: problems.NewOverrides("poisson-paper")}
	f.o.RegisterFlags(f.fs, train)
	f.fs.StringVar(&f.out, "out", "", "output directory for result.json, prediction.npz and model/ (the trained variables, for annsvd predict); created only when they are written, nothing is written on error")
	f.fs.BoolVar(&f.quiet, "quiet", false, "no progress display")
	return f
}

// parse parses the command line and records the flags it sets as given overrides.
func (f *trainFlags) parse(args []string, stderr io.Writer) error {
	if err := parseFlags(f.fs, args, "usage: "+f.fs.Name()+" [flags]", stderr); err != nil {
		return err
	}
	f.o.MarkGiven(f.fs)
	if f.o.Given["out"] && f.out == "" {
		return usageError{errors.New("-out is empty")}
	}
	return nil
}

// output is result.json.
type output = problems.RunRecord

// progress returns the progress display of a run labelled label (nil with -quiet).
func (f *trainFlags) progress(stderr io.Writer, label string) func(solve.Progress) {
	if f.quiet {
		return nil
	}
	update, _ := pinnplot.LiveProgress(stderr, label)
	return update
}

// start opens the backend and checks the worker count and -out before training.
func (f *trainFlags) start(j *problems.Job, stderr io.Writer) (backends.Backend, error) {
	w := stderr
	if f.quiet {
		w = nil
	}
	b, err := openBackend(w)
	if err != nil {
		return nil, err
	}
	if err := solve.CheckWorkers(b, j.Problem, j.Train); err != nil {
		return nil, usageError{err}
	}
	return b, checkDir("out", f.out)
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	f := newTrainFlags("train", true)
	if err := f.parse(args, stderr); err != nil {
		return err
	}
	spec, err := f.o.LayerSpec()
	if err != nil {
		return usageError{err}
	}
	j, err := problems.Resolve(f.o, spec)
	if err != nil {
		return usageError{err}
	}
	for _, s := range j.Skipped {
		fmt.Fprintf(stderr, "warning: %s\n", s)
	}
	if err := checkDir("checkpoint", f.o.Checkpoint); err != nil {
		return err
	}
	b, err := f.start(j, stderr)
	if err != nil {
		return err
	}
	return f.trainAndWrite(j, b, args, stdout, stderr)
}

func runCompare(args []string, stdout, stderr io.Writer) error {
	f := newTrainFlags("compare", false)
	modes := f.fs.String("modes", "dense,thin,compact:3,truncated:0.5",
		"comma list of modes: dense, thin, compact:K, truncated:T (truncated:Tr = relative to σ₁)")
	if err := f.parse(args, stderr); err != nil {
		return err
	}
	specs, err := problems.ParseModeList("modes", *modes)
	if err != nil {
		return usageError{err}
	}
	var jobs []*problems.Job
	for _, spec := range specs {
		j, err := problems.Resolve(f.o, spec)
		if err != nil {
			return usageError{err}
		}
		jobs = append(jobs, j)
	}
	b, err := f.start(jobs[0], stderr)
	if err != nil {
		return err
	}
	var rows []*output
	for _, j := range jobs {
		cfg := j.Train
		cfg.Progress = f.progress(stderr, j.Spec.String())
		res, _, err := solve.Train(b, j.Problem, j.Net, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", j.Spec, err)
		}
		rows = append(rows, &output{Mode: j.Spec.String(), Args: args, Result: res})
	}
	printRows(stdout, rows)
	return writeOutJSON(stdout, f.out, "compare.json", rows)
}

// writeOutJSON writes v as DIR/name (nothing when dir is "") and says so on stdout.
func writeOutJSON(stdout io.Writer, dir, name string, v any) error {
	if dir == "" {
		return nil
	}
	wrote, err := atomicio.WriteDir(dir, atomicio.File{Name: name, Write: func(p string) error { return atomicio.WriteJSON(p, v) }})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", wrote[0])
	return nil
}

// checkDir is atomicio.CheckDir with a path that is not a directory as a usage error.
func checkDir(flagName, dir string) error { return usageIfBadDir(atomicio.CheckDir(flagName, dir)) }

// usageIfBadDir makes an atomicio.BadDirError a usage error.
func usageIfBadDir(err error) error {
	if errors.As(err, new(atomicio.BadDirError)) {
		return usageError{err}
	}
	return err
}

// printRows prints the results table of outputs.
func printRows(w io.Writer, rows []*output) {
	var modes []string
	var res []*solve.Result
	for _, o := range rows {
		modes, res = append(modes, o.Mode), append(res, o.Result)
	}
	solve.PrintTable(w, modes, res)
}

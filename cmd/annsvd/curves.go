package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/viz"
	"github.com/annsvd/annsvd/viz/pinnplot"
)

// runCurves plots the error against wall time of finished runs (their result.json).
func runCurves(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd curves", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "figure path without extension: writes OUT.svg and OUT.png (required)")
	labels := fs.String("labels", "", "legend entries, comma separated, one per result file (default: each file's directory name)")
	title := fs.String("title", "relative L² error against wall time", "figure title")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: annsvd curves -out FILE [-labels a,b] RESULT.json...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageError{fmt.Errorf("no result files: give one or more DIR/result.json")}
	}
	if *out == "" {
		return usageError{fmt.Errorf("-out is empty: need a figure path")}
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(filepath.Dir(f))
	}
	if *labels != "" {
		names = strings.Split(*labels, ",")
		if len(names) != len(files) {
			return usageError{fmt.Errorf("-labels has %d entries for %d result files: need one per file", len(names), len(files))}
		}
	}
	var curves []viz.Curve
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return usageError{err}
		}
		var o problems.RunRecord
		if err := json.Unmarshal(raw, &o); err != nil || o.Result == nil {
			return usageError{fmt.Errorf("%s: not a result.json of annsvd train (%v)", f, err)}
		}
		c, err := pinnplot.ErrorCurve(o.Result, names[i])
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", f, err)}
		}
		curves = append(curves, c)
	}
	fig, err := viz.Curves(curves, *title, "wall time (s)", "relative L² error")
	if err != nil {
		return err
	}
	if err := fig.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s.svg and %s.png\n", *out, *out)
	return nil
}

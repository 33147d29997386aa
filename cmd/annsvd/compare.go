package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
)

// parseModeList parses "dense,thin,compact:3,truncated:0.5" (truncated:0.1r is relative).
func parseModeList(s string) ([]annsvd.LayerSpec, error) {
	var specs []annsvd.LayerSpec
	for _, item := range strings.Split(s, ",") {
		spec, err := annsvd.ParseLayerSpec(item)
		if err != nil {
			return nil, fmt.Errorf("-modes %q: %w", s, err)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

func runCompare(args []string, stdout, stderr io.Writer) error {
	f := newTrainFlags("compare", false)
	modes := f.fs.String("modes", "dense,thin,compact:3,truncated:0.5",
		"comma list of modes: dense, thin, compact:K, truncated:T (truncated:Tr = relative to σ₁)")
	if err := f.parse(args, stderr); err != nil {
		return err
	}
	specs, err := parseModeList(*modes)
	if err != nil {
		return usageError{err}
	}
	var jobs []*job
	for _, spec := range specs {
		j, err := f.resolve(spec)
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	b, err := f.openBackend(stderr)
	if err != nil {
		return err
	}
	if err := solve.CheckWorkers(b, jobs[0].problem, jobs[0].train); err != nil {
		return usageError{err}
	}
	if err := checkOut(f.out); err != nil {
		return err
	}
	var rows []*output
	for _, j := range jobs {
		o, err := f.execute(b, j, args, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", j.spec, err)
		}
		rows = append(rows, o)
	}
	printTable(stdout, rows)
	return writeOutJSON(stdout, f.out, "compare.json", rows)
}

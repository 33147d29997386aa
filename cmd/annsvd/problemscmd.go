package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
)

func runProblems(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd problems", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: annsvd problems [NAME...]   (all problems when no name is given)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := fs.Args()
	if len(names) == 0 {
		names = problems.Names()
	}
	var entries []problems.Entry
	for _, name := range names { // check every name before printing anything
		e, err := problems.Get(name)
		if err != nil {
			return usageError{err}
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		d := e.Defaults
		fmt.Fprintf(stdout, "%s\n  %s\n  %s\n  defaults: %s\n", e.Name, e.Equation, e.About, describeDefaults(d))
		if e.Points > 0 {
			n := e.Points
			if d.Points > 0 {
				n = d.Points
			}
			fmt.Fprintf(stdout, "  -points: %d interior collocation points by default (%d without a preset's count)\n", n, e.Points)
		}
		if e.Hard != "" {
			fmt.Fprintf(stdout, "  -hard: %s\n", e.Hard)
		}
		for _, pn := range slices.Sorted(maps.Keys(e.Presets)) {
			fmt.Fprintf(stdout, "  preset %s: %s\n", pn, describeDefaults(e.Presets[pn]))
			if n := e.Presets[pn].Note; n != "" {
				fmt.Fprintf(stdout, "    %s\n", n)
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// describeDefaults renders a problem's defaults or preset on one line.
func describeDefaults(d problems.Defaults) string {
	s := fmt.Sprintf("widths %v, %s, Adam %d steps (lr %g", d.Widths, d.Activation, d.AdamSteps, d.LR)
	if d.Schedule != "" {
		s += ", schedule " + d.Schedule
	}
	qn, _ := solve.ParseQNUpdate(string(d.QN))
	s += fmt.Sprintf("), %s %d iterations", qn.Label(), d.LBFGSIters)
	if d.Float64 {
		s += ", float64"
	}
	if d.Hard {
		s += ", hard constraint"
	}
	if d.Points > 0 {
		s += fmt.Sprintf(", %d interior points", d.Points)
	}
	if len(d.Weights) > 0 {
		var w []string
		for _, k := range slices.Sorted(maps.Keys(d.Weights)) {
			w = append(w, fmt.Sprintf("%s=%g", k, d.Weights[k]))
		}
		s += fmt.Sprintf(", weights %v", w)
	}
	if d.Fourier.Features > 0 {
		s += fmt.Sprintf(", Fourier features m=%d σ=%g", d.Fourier.Features, d.Fourier.Sigma)
	}
	if d.PeriodicModes > 0 {
		s += fmt.Sprintf(", periodic embedding M=%d", d.PeriodicModes)
	}
	if d.RBA.On() {
		s += fmt.Sprintf(", RBA η=%g", d.RBA.Eta)
	}
	if r := d.RAD; r.Period > 0 || r.LBFGSEvery > 0 {
		s += ", RAD"
		if r.Period > 0 {
			s += fmt.Sprintf(" every %d Adam steps", r.Period)
		}
		if r.LBFGSEvery > 0 {
			s += fmt.Sprintf(" between %s rounds of %d iterations", qn.Label(), r.LBFGSEvery)
		}
		if r.K != 0 || r.C != 0 {
			s += fmt.Sprintf(" (k=%g, c=%g)", r.K, max(r.C, 0))
		}
	}
	return s
}

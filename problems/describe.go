package problems

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/annsvd/annsvd/annsvd/solve"
)

// Describe writes the entry as annsvd problems lists it: name, equation, description,
// defaults, its point-count and hard-constraint options and its presets.
func (e Entry) Describe(w io.Writer) {
	d := e.Defaults
	fmt.Fprintf(w, "%s\n  %s\n  %s\n  defaults: %s\n", e.Name, e.Equation, e.About, d.Describe())
	if e.Points > 0 {
		n := e.Points
		if d.Points > 0 {
			n = d.Points
		}
		fmt.Fprintf(w, "  -points: %d interior collocation points by default (%d without a preset's count)\n", n, e.Points)
	}
	if e.Hard != "" {
		fmt.Fprintf(w, "  -hard: %s\n", e.Hard)
	}
	for _, pn := range slices.Sorted(maps.Keys(e.Presets)) {
		fmt.Fprintf(w, "  preset %s: %s\n", pn, e.Presets[pn].Describe())
		if n := e.Presets[pn].Note; n != "" {
			fmt.Fprintf(w, "    %s\n", n)
		}
	}
	fmt.Fprintln(w)
}

// Describe renders the defaults or preset on one line.
func (d Defaults) Describe() string {
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

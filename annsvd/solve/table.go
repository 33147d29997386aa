package solve

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// PrintTable writes results as a table (problem, mode, kept ranks, parameters, Adam
// step time, training time, errors, quasi-Newton outcome), one row per result with its
// mode label, then the learned unknowns of inverse problems.
func PrintTable(w io.Writer, modes []string, rows []*Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "problem\tmode\trank\tparams\tadam ms/step\ttrain s\trel L2\tL∞\tL_rms\tquasi-Newton")
	for i, o := range rows {
		var ranks []string
		for _, l := range o.Network.Layers {
			if l.Rank > 0 {
				ranks = append(ranks, strconv.Itoa(l.Rank))
			}
		}
		rank := cmp.Or(strings.Join(ranks, ","), "-")
		lb := "-"
		if o.LBFGS != nil {
			lb = fmt.Sprintf("%s %d it (%s)", QNUpdate(o.LBFGS.Method).Label(), o.LBFGS.Iterations, o.LBFGS.Status)
		}
		errs := fmt.Sprintf("%.3e\t%.3e\t%.3e", o.Metrics.RelL2, o.Metrics.LInf, o.Metrics.RMS)
		if o.MetricsSkipped != "" {
			errs = "-\t-\t-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%.1f\t%s\t%s\n", o.Problem, modes[i], rank, o.Network.Params,
			o.Timing.AdamMsPerStep, o.Timing.TrainS, errs, lb)
	}
	tw.Flush()
	for i, o := range rows {
		if o.MetricsSkipped != "" {
			fmt.Fprintf(w, "%s %s: %s\n", o.Problem, modes[i], o.MetricsSkipped)
		}
		if len(o.Unknowns) > 0 {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(o.Unknowns)) {
				kv = append(kv, fmt.Sprintf("%s = %.6g", k, o.Unknowns[k]))
			}
			fmt.Fprintf(w, "%s %s unknowns: %s\n", o.Problem, modes[i], strings.Join(kv, ", "))
		}
		if o.UnknownsError != "" {
			fmt.Fprintf(w, "%s %s unknowns not read: %s\n", o.Problem, modes[i], o.UnknownsError)
		}
	}
}

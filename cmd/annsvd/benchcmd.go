package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/bench"
	"github.com/annsvd/annsvd/annsvd/engine"
)

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	presets := fs.String("preset", "burgers-20x3", "comma list of presets, or 'all': "+strings.Join(bench.PresetNames(), ", "))
	steps := fs.Int("steps", 200, "timed Adam steps ≥ 1 (after warm-up)")
	warmup := fs.Int("warmup", 20, "warm-up steps ≥ 1 (the first compiles the graph)")
	points := fs.Int("points", 0, "replace the PDE points by N Hammersley points (Burgers presets; 0 = preset's)")
	widths := fs.String("widths", "", "override the preset's hidden widths, e.g. 128,128,128")
	deriv := fs.String("deriv", "forward", "input derivatives: forward (jets) or autodiff (nested Gradient)")
	jsonOut := fs.String("json", "", "write the results as a JSON array to this file (atomically)")
	if err := parseFlags(fs, args, "usage: annsvd bench [flags]   (times the Adam step; median/p10/p90 ms, CPU ms, peak RSS, compile time)", stderr); err != nil {
		return err
	}
	if *steps < 1 {
		return usageError{fmt.Errorf("-steps %d out of range: need ≥ 1", *steps)}
	}
	if *warmup < 1 {
		return usageError{fmt.Errorf("-warmup %d out of range: need ≥ 1", *warmup)}
	}
	if *points < 0 {
		return usageError{fmt.Errorf("-points %d out of range: need ≥ 0", *points)}
	}
	d, err := annsvd.ParseDerivMethod(*deriv)
	if err != nil {
		return usageError{err}
	}
	var list []bench.Preset
	names := strings.Split(*presets, ",")
	if *presets == "all" {
		names = bench.PresetNames()
	}
	for _, n := range names {
		p, err := bench.Find(strings.TrimSpace(n))
		if err != nil {
			return usageError{err}
		}
		if *points > 0 {
			if p.Problem != "burgers" {
				return usageError{fmt.Errorf("-points applies to Burgers presets, not %s", p.Name)}
			}
			p.Points = *points
		}
		if *widths != "" {
			w, err := parseInts("widths", *widths)
			if err != nil {
				return err
			}
			p.Widths = w
		}
		list = append(list, p)
	}
	b, err := engine.New()
	if err != nil {
		return err
	}
	var results []*bench.Result
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "preset\tmode\tparams\tpoints\tms median\tp10\tp90\tcpu ms\tcompile s\tpeak RSS MB")
	for _, p := range list {
		r, err := bench.Run(b, p, bench.Options{Steps: *steps, Warmup: *warmup, Deriv: d})
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		results = append(results, r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\n", p.Name, p.Mode, r.Params, r.Points,
			r.MsMedian, r.MsP10, r.MsP90, r.CPUMsPerStep, r.CompileS, r.PeakRSSMB)
		tw.Flush()
	}
	fmt.Fprintf(stdout, "backend %s, %d timed steps after %d warm-up\n", engine.Describe(b), *steps, *warmup)
	if *jsonOut != "" {
		return writeJSON(*jsonOut, results)
	}
	return nil
}

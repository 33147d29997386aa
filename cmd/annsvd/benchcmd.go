package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/bench"
	"github.com/annsvd/annsvd/internal/atomicio"
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
	dtypeS := fs.String("dtype", "float32", "float32 or float64")
	jsonOut := fs.String("json", "", "write the results as a JSON array to this file (atomically)")
	scaling := fs.Bool("scaling", false, "measure the scaling table instead of presets: Burgers 2→[w]×depth→1 dense for every -scaling-widths × -scaling-points")
	scPoints := fs.String("scaling-points", "1000,4000,16000,64000", "PDE point counts N of -scaling")
	scWidths := fs.String("scaling-widths", "32,64,128,256,512", "hidden widths of -scaling")
	scDepth := fs.Int("scaling-depth", 3, "hidden layers of -scaling")
	targetS := fs.Float64("target-s", 10, "-scaling: timed seconds aimed at per cell (steps clamped to [3, 50])")
	maxStepS := fs.Float64("max-step-s", 60, "-scaling: skip cells whose step, extrapolated from the previous N, exceeds this many seconds")
	mdOut := fs.String("md", "", "-scaling: also write the table as Markdown to this file")
	latency := fs.Bool("latency", false, "measure inference latency instead of presets: Predict on the paper's Poisson problem, its 2→[50,70]→1 network and a 2→[256]×3→1 one, dense, thin, compact (k = 3, 32) and truncated (τ = 0.5, 0.5·σ₁), for each -latency-batches")
	latBatches := fs.String("latency-batches", "1,1000,1000000", "batch sizes of -latency")
	latTarget := fs.Float64("latency-target-s", 3, "-latency: timed seconds aimed at per cell (at least 3 calls, or one call longer than this)")
	workers := fs.Int("workers", 0, "data-parallel workers K ≥ 1 on the pure-Go engine (default: as train)")
	eval := fs.Bool("eval", false, "time the quasi-Newton path's loss-and-gradient evaluation (float64 on the host, on every worker) instead of the Adam step")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the timed presets to this file")
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
	if isSet(fs, "workers") {
		if err := engine.CheckWorkers(*workers); err != nil {
			return usageError{fmt.Errorf("-%w", err)}
		}
	}
	d, err := annsvd.ParseDerivMethod(*deriv)
	if err != nil {
		return usageError{err}
	}
	dt, err := parseDType(*dtypeS)
	if err != nil {
		return err
	}
	if *latency {
		batches, err := parseInts("latency-batches", *latBatches)
		if err != nil {
			return err
		}
		if !(*latTarget > 0) {
			return usageError{fmt.Errorf("-latency-target-s %v out of range: need > 0 seconds", *latTarget)}
		}
		b, err := openBackend(nil)
		if err != nil {
			return err
		}
		rows, err := runLatency(b, stdout, batches, *latTarget, dt)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backend %s, %s, one core (Predict runs on the backend, not the workers), GOGC %d\n", engine.Describe(b), dt, engine.GCPercentInForce())
		if *jsonOut != "" {
			return writeJSON(*jsonOut, rows)
		}
		return nil
	}
	if *scaling {
		return runScaling(stdout, stderr, d, *scPoints, *scWidths, *scDepth, *targetS, *maxStepS, *jsonOut, *mdOut)
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
	b, err := openBackend(nil)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("-cpuprofile %s: %w", *cpuProfile, err)
		}
		defer pprof.StopCPUProfile()
	}
	var results []*bench.Result
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "preset\tmode\tparams\tpoints\tms median\tp10\tp90\tcpu ms\tcompile s\tpeak RSS MB")
	for _, p := range list {
		r, err := bench.Run(b, p, bench.Options{Steps: *steps, Warmup: *warmup, Deriv: d, DType: dt, Workers: *workers, Eval: *eval})
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		results = append(results, r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\n", p.Name, p.Mode, r.Params, r.Points,
			r.MsMedian, r.MsP10, r.MsP90, r.CPUMsPerStep, r.CompileS, r.PeakRSSMB)
		tw.Flush()
	}
	k := 1
	if len(results) > 0 {
		k = results[0].Workers
	}
	what := "steps"
	if *eval {
		what = "loss+grad evaluations"
	}
	fmt.Fprintf(stdout, "backend %s, %s, %d worker(s), GOGC %d, %d timed %s after %d warm-up\n", engine.Describe(b), dt, k, engine.GCPercentInForce(), *steps, what, *warmup)
	if *jsonOut != "" {
		return writeJSON(*jsonOut, results)
	}
	return nil
}

// runScaling measures and prints the scaling table (ms per Adam step by width × N).
func runScaling(stdout, stderr io.Writer, d annsvd.DerivMethod, pointsS, widthsS string, depth int, targetS, maxStepS float64, jsonOut, mdOut string) error {
	points, err := parseInts("scaling-points", pointsS)
	if err != nil {
		return err
	}
	widths, err := parseInts("scaling-widths", widthsS)
	if err != nil {
		return err
	}
	if depth < 1 {
		return usageError{fmt.Errorf("-scaling-depth %d out of range: need ≥ 1", depth)}
	}
	if !(targetS > 0) || !(maxStepS > 0) {
		return usageError{fmt.Errorf("-target-s %v and -max-step-s %v must be > 0", targetS, maxStepS)}
	}
	b, err := openBackend(nil)
	if err != nil {
		return err
	}
	cells, err := bench.Scaling(b, bench.ScalingOptions{Points: points, Widths: widths, Depth: depth, TargetS: targetS,
		MinSteps: 3, MaxSteps: 50, MaxStepS: maxStepS, Deriv: d,
		Progress: func(c bench.ScalingCell) {
			if c.Result != nil {
				fmt.Fprintf(stderr, "width %d, N %d: %.1f ms/step (%d steps)\n", c.Width, c.Points, c.Result.MsMedian, c.Result.Steps)
			} else {
				fmt.Fprintf(stderr, "width %d, N %d: skipped (estimated %.0f ms/step)\n", c.Width, c.Points, c.EstimatedMs)
			}
		}})
	if err != nil {
		return err
	}
	md := scalingMarkdown(cells, depth, engine.Describe(b))
	fmt.Fprint(stdout, md)
	if mdOut != "" {
		if err := atomicio.WriteFile(mdOut, []byte(md)); err != nil {
			return err
		}
	}
	if jsonOut != "" {
		return writeJSON(jsonOut, cells)
	}
	return nil
}

// scalingMarkdown renders the cells as a width × N table of median ms per Adam step.
func scalingMarkdown(cells []bench.ScalingCell, depth int, backend string) string {
	var pts, ws []int
	byKey := map[[2]int]bench.ScalingCell{}
	for _, c := range cells {
		if !slices.Contains(pts, c.Points) {
			pts = append(pts, c.Points)
		}
		if !slices.Contains(ws, c.Width) {
			ws = append(ws, c.Width)
		}
		byKey[[2]int{c.Width, c.Points}] = c
	}
	slices.Sort(pts)
	slices.Sort(ws)
	var sb strings.Builder
	fmt.Fprintf(&sb, "Median ms per Adam step, Burgers 2→[w]×%d→1 dense, N PDE points + 240 boundary/initial; backend %s.\n\n", depth, backend)
	sb.WriteString("| width \\ N |")
	for _, n := range pts {
		fmt.Fprintf(&sb, " %d |", n)
	}
	sb.WriteString(" ns per point·w² at largest N |\n|---|")
	for range pts {
		sb.WriteString("---:|")
	}
	sb.WriteString("---:|\n")
	for _, w := range ws {
		fmt.Fprintf(&sb, "| %d |", w)
		norm := ""
		for _, n := range pts {
			c, ok := byKey[[2]int{w, n}]
			switch {
			case !ok:
				sb.WriteString(" |")
			case c.Result == nil:
				fmt.Fprintf(&sb, " (≈%.0f, skipped) |", c.EstimatedMs)
			default:
				fmt.Fprintf(&sb, " %.1f |", c.Result.MsMedian)
				norm = fmt.Sprintf("%.2f", c.Result.MsMedian*1e6/float64(c.Result.Points)/float64(w*w))
			}
		}
		fmt.Fprintf(&sb, " %s |\n", norm)
	}
	return sb.String()
}

package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Command is annsvd bench: its settings (Register binds them to flags), checked and
// parsed by Validate, run by Run.
type Command struct {
	presets, widths, deriv, dtype, jsonOut, cpuProfile string
	steps, warmup, points, workers                     int
	eval, scaling, latency                             bool
	scPoints, scWidths, mdOut, latBatches              string
	scDepth                                            int
	targetS, maxStepS, latTarget                       float64
	// Parsed by Validate.
	d           annsvd.DerivMethod
	dt          dtypes.DType
	list        []Preset
	batches     []int
	scPts, scWs []int
}

// Register binds the command's settings to flags of fs.
func (f *Command) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.presets, "preset", "burgers-20x3", "comma list of presets, or 'all': "+strings.Join(PresetNames(), ", "))
	fs.IntVar(&f.steps, "steps", 200, "timed Adam steps ≥ 1 (after warm-up)")
	fs.IntVar(&f.warmup, "warmup", 20, "warm-up steps ≥ 1 (the first compiles the graph)")
	fs.IntVar(&f.points, "points", 0, "replace the PDE points by N Hammersley points (Burgers presets; 0 = preset's)")
	fs.StringVar(&f.widths, "widths", "", "override the preset's hidden widths, e.g. 128,128,128")
	fs.StringVar(&f.deriv, "deriv", "forward", "input derivatives: forward (jets) or autodiff (nested Gradient)")
	fs.StringVar(&f.dtype, "dtype", "float32", "float32 or float64")
	fs.StringVar(&f.jsonOut, "json", "", "write the results as a JSON array to this file (atomically)")
	fs.BoolVar(&f.scaling, "scaling", false, "measure the scaling table instead of presets: Burgers 2→[w]×depth→1 dense for every -scaling-widths × -scaling-points")
	fs.StringVar(&f.scPoints, "scaling-points", "1000,4000,16000,64000", "PDE point counts N of -scaling")
	fs.StringVar(&f.scWidths, "scaling-widths", "32,64,128,256,512", "hidden widths of -scaling")
	fs.IntVar(&f.scDepth, "scaling-depth", 3, "hidden layers of -scaling")
	fs.Float64Var(&f.targetS, "target-s", 10, "-scaling: timed seconds aimed at per cell (steps clamped to [3, 50])")
	fs.Float64Var(&f.maxStepS, "max-step-s", 60, "-scaling: skip cells whose step, extrapolated from the previous N, exceeds this many seconds")
	fs.StringVar(&f.mdOut, "md", "", "-scaling: also write the table as Markdown to this file")
	fs.BoolVar(&f.latency, "latency", false, "measure inference latency instead of presets: Predict on the paper's Poisson problem, its 2→[50,70]→1 network and a 2→[256]×3→1 one, dense, thin, compact (k = 3, 32) and truncated (τ = 0.5, 0.5·σ₁), for each -latency-batches")
	fs.StringVar(&f.latBatches, "latency-batches", "1,1000,1000000", "batch sizes of -latency")
	fs.Float64Var(&f.latTarget, "latency-target-s", 3, "-latency: timed seconds aimed at per cell (at least 3 calls, or one call longer than this)")
	fs.IntVar(&f.workers, "workers", 0, "data-parallel workers K ≥ 1 on the pure-Go engine (default: as train)")
	fs.BoolVar(&f.eval, "eval", false, "time the quasi-Newton path's loss-and-gradient evaluation (float64 on the host, on every worker) instead of the Adam step")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the timed presets to this file")
}

// Validate checks the settings and parses the presets and lists; workersSet says
// whether -workers was given.
func (f *Command) Validate(workersSet bool) error {
	for _, c := range []struct {
		name   string
		v, min int
	}{{"steps", f.steps, 1}, {"warmup", f.warmup, 1}, {"points", f.points, 0}} {
		if c.v < c.min {
			return fmt.Errorf("-%s %d out of range: need ≥ %d", c.name, c.v, c.min)
		}
	}
	if workersSet {
		if err := engine.CheckWorkers(f.workers); err != nil {
			return fmt.Errorf("-%w", err)
		}
	}
	var err error
	if f.d, err = annsvd.ParseDerivMethod(f.deriv); err != nil {
		return err
	}
	if f.dt, err = problems.ParseDType(f.dtype); err != nil {
		return err
	}
	switch {
	case f.latency:
		if !(f.latTarget > 0) {
			return fmt.Errorf("-latency-target-s %v out of range: need > 0 seconds", f.latTarget)
		}
		f.batches, err = problems.ParseInts("latency-batches", f.latBatches)
		return err
	case f.scaling:
		if f.scDepth < 1 {
			return fmt.Errorf("-scaling-depth %d out of range: need ≥ 1", f.scDepth)
		}
		if !(f.targetS > 0) || !(f.maxStepS > 0) {
			return fmt.Errorf("-target-s %v and -max-step-s %v must be > 0", f.targetS, f.maxStepS)
		}
		if f.scPts, err = problems.ParseInts("scaling-points", f.scPoints); err != nil {
			return err
		}
		f.scWs, err = problems.ParseInts("scaling-widths", f.scWidths)
		return err
	}
	return f.parsePresets()
}

// Run runs the validated command on b.
func (f *Command) Run(b backends.Backend, stdout, stderr io.Writer) error {
	switch {
	case f.latency:
		return f.runLatency(b, stdout)
	case f.scaling:
		return f.runScaling(b, stdout, stderr)
	}
	return f.runPresets(b, stdout)
}

// parsePresets resolves -preset with -points and -widths.
func (f *Command) parsePresets() error {
	names := strings.Split(f.presets, ",")
	if f.presets == "all" {
		names = PresetNames()
	}
	for _, n := range names {
		p, err := Find(strings.TrimSpace(n))
		if err != nil {
			return err
		}
		if f.points > 0 && p.Problem != "burgers" {
			return fmt.Errorf("-points applies to Burgers presets, not %s", p.Name)
		}
		if f.points > 0 {
			p.Points = f.points
		}
		if f.widths != "" {
			if p.Widths, err = problems.ParseInts("widths", f.widths); err != nil {
				return err
			}
		}
		f.list = append(f.list, p)
	}
	return nil
}

// runPresets times the presets of -preset.
func (f *Command) runPresets(b backends.Backend, stdout io.Writer) error {
	d, dt := f.d, f.dt
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("-cpuprofile %s: %w", f.cpuProfile, err)
		}
		defer pprof.StopCPUProfile()
	}
	var results []*Result
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "preset\tmode\tparams\tpoints\tms median\tp10\tp90\tcpu ms\tcompile s\tpeak RSS MB")
	for _, p := range f.list {
		r, err := Run(b, p, Options{Steps: f.steps, Warmup: f.warmup, Deriv: d, DType: dt, Workers: f.workers, Eval: f.eval})
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		results = append(results, r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\n", p.Name, p.Mode, r.Params, r.Points,
			r.MsMedian, r.MsP10, r.MsP90, r.CPUMsPerStep, r.CompileS, r.PeakRSSMB)
		tw.Flush()
	}
	what := map[bool]string{false: "steps", true: "loss+grad evaluations"}[f.eval]
	k := 1
	if len(results) > 0 {
		k = results[0].Workers
	}
	fmt.Fprintf(stdout, "backend %s, %s, %d worker(s), GOGC %d, %d timed %s after %d warm-up\n", engine.Describe(b), dt, k, engine.GCPercentInForce(), f.steps, what, f.warmup)
	return f.writeJSON(results)
}

// writeJSON writes v to -json when it is set.
func (f *Command) writeJSON(v any) error {
	if f.jsonOut == "" {
		return nil
	}
	return atomicio.WriteJSON(f.jsonOut, v)
}

// runLatency measures the inference-latency table.
func (f *Command) runLatency(b backends.Backend, stdout io.Writer) error {
	dt := f.dt
	rows, err := Latency(b, stdout, f.batches, f.latTarget, dt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backend %s, %s, one core (Predict runs on the backend, not the workers), GOGC %d\n", engine.Describe(b), dt, engine.GCPercentInForce())
	return f.writeJSON(rows)
}

// runScaling measures and prints the scaling table (ms per Adam step by width × N).
func (f *Command) runScaling(b backends.Backend, stdout, stderr io.Writer) error {
	points, widths, d := f.scPts, f.scWs, f.d
	cells, err := Scaling(b, ScalingOptions{Points: points, Widths: widths, Depth: f.scDepth, TargetS: f.targetS,
		MinSteps: 3, MaxSteps: 50, MaxStepS: f.maxStepS, Deriv: d,
		Progress: func(c ScalingCell) {
			if c.Result != nil {
				fmt.Fprintf(stderr, "width %d, N %d: %.1f ms/step (%d steps)\n", c.Width, c.Points, c.Result.MsMedian, c.Result.Steps)
			} else {
				fmt.Fprintf(stderr, "width %d, N %d: skipped (estimated %.0f ms/step)\n", c.Width, c.Points, c.EstimatedMs)
			}
		}})
	if err != nil {
		return err
	}
	md := ScalingMarkdown(cells, f.scDepth, engine.Describe(b))
	fmt.Fprint(stdout, md)
	if f.mdOut != "" {
		if err := atomicio.WriteFile(f.mdOut, []byte(md)); err != nil {
			return err
		}
	}
	return f.writeJSON(cells)
}

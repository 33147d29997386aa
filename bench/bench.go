// Package bench times the Adam step of PINN presets (after warm-up) and reports the
// median, p10 and p90 over many steps, the compile time and the peak resident memory,
// as JSON. It is what `annsvd bench` runs, and what the README's performance tables
// come from.
package bench

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/problems/sampling"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Preset is a benchmark configuration.
type Preset struct {
	Name    string `json:"name"`
	Problem string `json:"problem"`
	Widths  []int  `json:"widths"`
	// SVD maps hidden-to-hidden indices to their modes (nil: all dense).
	SVD map[int]annsvd.LayerSpec `json:"-"`
	// Mode describes SVD for the report, e.g. "compact k=32 @ all".
	Mode string `json:"mode"`
	// Points, when > 0, replaces the PDE term's points by this many Hammersley points
	// (Burgers) for scaling studies.
	Points int `json:"points,omitempty"`
}

func compactAll(k int, layers ...int) map[int]annsvd.LayerSpec {
	m := map[int]annsvd.LayerSpec{}
	for _, l := range layers {
		m[l] = annsvd.LayerSpec{Mode: annsvd.Compact, Rank: k}
	}
	return m
}

// Presets are the named benchmark configurations.
var Presets = []Preset{
	{Name: "burgers-20x3", Problem: "burgers", Widths: []int{20, 20, 20}, Mode: "dense"},
	{Name: "burgers-64x4", Problem: "burgers", Widths: []int{64, 64, 64, 64}, Mode: "dense"},
	{Name: "burgers-256x3", Problem: "burgers", Widths: []int{256, 256, 256}, Mode: "dense"},
	{Name: "burgers-256x3-k32-middle", Problem: "burgers", Widths: []int{256, 256, 256}, SVD: compactAll(32, 1), Mode: "compact k=32 @ 1"},
	{Name: "burgers-256x3-k32-all", Problem: "burgers", Widths: []int{256, 256, 256}, SVD: compactAll(32, 1, 2), Mode: "compact k=32 @ all"},
	{Name: "poisson-paper-dense", Problem: "poisson-paper", Widths: []int{50, 70}, Mode: "dense"},
	{Name: "poisson-paper-thin", Problem: "poisson-paper", Widths: []int{50, 70},
		SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Thin, NoBias: true}), Mode: "thin"},
	{Name: "poisson-paper-k3", Problem: "poisson-paper", Widths: []int{50, 70},
		SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 3, NoBias: true}), Mode: "compact k=3"},
	{Name: "poisson-paper-tau0.5", Problem: "poisson-paper", Widths: []int{50, 70},
		SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: 0.5, NoBias: true}), Mode: "truncated τ=0.5"},
}

// PresetNames lists the preset names.
func PresetNames() []string {
	var n []string
	for _, p := range Presets {
		n = append(n, p.Name)
	}
	return n
}

// Find returns a preset by name.
func Find(name string) (Preset, error) {
	for _, p := range Presets {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, fmt.Errorf("bench: unknown preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
}

// Result is one benchmark measurement.
type Result struct {
	Preset  Preset `json:"preset"`
	Backend string `json:"backend"`
	// Engine details the backend: engine, PJRT plugin path and version.
	Engine engine.Info `json:"engine"`
	Deriv  string      `json:"derivatives"`
	DType  string      `json:"dtype"`
	// Workers is the number of data-parallel workers of the step (see solve.Config.Workers).
	Workers int `json:"workers"`
	// GOGC is the garbage collector's target during the measurement (see engine.TuneGC).
	GOGC     int     `json:"gogc"`
	Params   int     `json:"params"`
	Points   int     `json:"points"`
	Steps    int     `json:"steps"`
	Warmup   int     `json:"warmup"`
	MsMedian float64 `json:"ms_median"`
	MsP10    float64 `json:"ms_p10"`
	MsP90    float64 `json:"ms_p90"`
	MsMean   float64 `json:"ms_mean"`
	// Measure is what was timed: "adam step" or "loss+grad evaluation" (Options.Eval).
	Measure string `json:"measure"`
	// CPUMsPerStep is the process CPU time (user + system, all threads) per timed step:
	// less sensitive than wall time to other load on the machine.
	CPUMsPerStep float64 `json:"cpu_ms_per_step"`
	// CompileS is the wall time of the first step (graph build + compile + one step).
	CompileS  float64 `json:"compile_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	GoVersion string  `json:"go_version"`
	NumCPU    int     `json:"num_cpu"`
	When      string  `json:"when"`
}

// Options control a measurement.
type Options struct {
	Steps, Warmup int
	Deriv         annsvd.DerivMethod
	// DType of the network and points (float32 when invalid).
	DType dtypes.DType
	Seed  uint64
	// Workers is the number of data-parallel workers (0: solve's default, see
	// solve.Config.Workers).
	Workers int
	// TargetS, when > 0, replaces Steps by clamp(TargetS / last warm-up step,
	// MinSteps, MaxSteps) (at least 2 warm-up steps, so that the last one is compiled).
	TargetS            float64
	MinSteps, MaxSteps int
	// Eval times the loss-and-gradient evaluation the quasi-Newton methods call
	// (solve.Run.LossAndGrad: float64 on the host, on every worker) instead of the Adam
	// step; Steps and Warmup then count evaluations.
	Eval bool
}

// Run times preset p on backend b: warm-up steps (the first compiles), then Steps timed
// Adam steps. Peak RSS is measured from the start of this call (Linux: the process's
// high-water mark is reset through /proc/self/clear_refs).
func Run(b backends.Backend, p Preset, o Options) (*Result, error) {
	if o.TargetS > 0 {
		o.Warmup = max(o.Warmup, 2)
		o.Steps = max(o.Steps, 1)
	}
	if o.Steps < 1 {
		return nil, fmt.Errorf("bench: steps %d out of range: need ≥ 1", o.Steps)
	}
	if o.Warmup < 1 {
		o.Warmup = 1
	}
	prob, err := problems.New(p.Problem)
	if err != nil {
		return nil, err
	}
	resetPeakRSS()
	net := annsvd.Config{Widths: p.Widths, SVD: p.SVD}
	r, err := solve.NewRun(b, prob, net, solve.Config{Seed: o.Seed + 1, Deriv: o.Deriv, DType: o.DType, LogEvery: 1 << 30, Workers: o.Workers})
	if err != nil {
		return nil, err
	}
	if p.Points > 0 {
		pts, err := sampling.Hammersley(p.Points, 2)
		if err != nil {
			return nil, err
		}
		for _, q := range pts {
			q[0] = -1 + 2*q[0]
			q[1] *= problems.BurgersTMax
		}
		if err := r.SetTermPoints(0, pts, nil); err != nil {
			return nil, err
		}
	}
	points := 0
	for _, t := range r.Terms {
		points += len(t.Points)
	}
	step, measure := r.AdamSteps, "adam step"
	if o.Eval {
		step, measure = func(n int) error { return timedEvals(r, n) }, "loss+grad evaluation"
	}
	if err := step(o.Warmup); err != nil {
		return nil, err
	}
	if o.TargetS > 0 {
		last := r.AdamStepTimes[len(r.AdamStepTimes)-1].Seconds()
		o.Steps = min(max(int(math.Round(o.TargetS/max(last, 1e-6))), o.MinSteps, 1), max(o.MaxSteps, o.MinSteps, 1))
	}
	compile := r.CompileTime
	if o.Eval { // the first evaluation builds and compiles its graphs
		compile = r.AdamStepTimes[0]
	}
	r.AdamStepTimes = r.AdamStepTimes[:0]
	cpu0 := cpuTime()
	if err := step(o.Steps); err != nil {
		return nil, err
	}
	cpu := cpuTime() - cpu0
	workers, err := r.Workers()
	if err != nil {
		return nil, err
	}
	var sum time.Duration
	for _, d := range r.AdamStepTimes {
		sum += d
	}
	return &Result{
		Preset: p, Backend: engine.Describe(b), Engine: engine.InfoOf(b), Deriv: o.Deriv.String(), DType: r.Config.DType.String(),
		Workers: workers, GOGC: engine.GCPercentInForce(), Measure: measure,
		Params: r.Net.Params(), Points: points, Steps: o.Steps, Warmup: o.Warmup,
		MsMedian: solve.Percentile(r.AdamStepTimes, 0.5), MsP10: solve.Percentile(r.AdamStepTimes, 0.1),
		MsP90: solve.Percentile(r.AdamStepTimes, 0.9), MsMean: float64(sum.Microseconds()) / 1000 / float64(o.Steps),
		CPUMsPerStep: float64(cpu.Microseconds()) / 1000 / float64(o.Steps),
		CompileS:     compile.Seconds(), PeakRSSMB: peakRSSMB(), GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(),
		When: time.Now().UTC().Format(time.RFC3339),
	}, nil
}

// timedEvals calls r.LossAndGrad n times, appending each wall time to r.AdamStepTimes
// (where Run reads the timings), and fails on a non-finite loss.
func timedEvals(r *solve.Run, n int) error {
	for range n {
		t0 := time.Now()
		loss, _, _, err := r.LossAndGrad()
		if err != nil {
			return err
		}
		r.AdamStepTimes = append(r.AdamStepTimes, time.Since(t0))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("bench: loss %v", loss)
		}
	}
	return nil
}

// cpuTime returns the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB returns the process's peak resident set (VmHWM) in MB, or 0 if unknown.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// ScalingOptions describe a scaling table: the Burgers PINN 2→[w]×Depth→1 (dense) timed
// for every width w in Widths and PDE point count N in Points.
type ScalingOptions struct {
	Points, Widths []int
	// Depth is the number of hidden layers (default 3).
	Depth int
	// TargetS is the wall time aimed at per cell for the timed steps (default 10 s):
	// steps = clamp(TargetS / second warm-up step, MinSteps, MaxSteps).
	TargetS            float64
	MinSteps, MaxSteps int
	// MaxStepS skips a cell whose step time, extrapolated linearly in N from the
	// previous cell of the same width, exceeds it (default 60 s); the estimate is kept.
	MaxStepS float64
	Deriv    annsvd.DerivMethod
	// Progress, when set, is called after every cell.
	Progress func(c ScalingCell)
}

// ScalingCell is one cell of a scaling table.
type ScalingCell struct {
	Width  int `json:"width"`
	Points int `json:"points"`
	// Result is nil when the cell was skipped.
	Result *Result `json:"result,omitempty"`
	// EstimatedMs is the extrapolated step time of a skipped cell.
	EstimatedMs float64 `json:"estimated_ms,omitempty"`
}

// Scaling measures the scaling table: for each width (ascending) and N (ascending), one
// compiling warm-up step, one warm-up step whose time sets the number of timed steps
// (Options.TargetS), then the timed steps.
func Scaling(b backends.Backend, o ScalingOptions) ([]ScalingCell, error) {
	if len(o.Points) == 0 || len(o.Widths) == 0 {
		return nil, fmt.Errorf("bench: scaling needs at least one point count and one width (got %v, %v)", o.Points, o.Widths)
	}
	for _, n := range o.Points {
		if n < 1 {
			return nil, fmt.Errorf("bench: scaling point count %d out of range: need ≥ 1", n)
		}
	}
	for _, w := range o.Widths {
		if w < 1 {
			return nil, fmt.Errorf("bench: scaling width %d out of range: need ≥ 1", w)
		}
	}
	if o.Depth == 0 {
		o.Depth = 3
	}
	if o.TargetS <= 0 {
		o.TargetS = 10
	}
	if o.MinSteps < 1 {
		o.MinSteps = 2
	}
	if o.MaxSteps < o.MinSteps {
		o.MaxSteps = max(50, o.MinSteps)
	}
	if o.MaxStepS <= 0 {
		o.MaxStepS = 60
	}
	points, widths := slices.Sorted(slices.Values(o.Points)), slices.Sorted(slices.Values(o.Widths))
	var cells []ScalingCell
	for _, w := range widths {
		prevMs, prevN := 0.0, 0
		for _, n := range points {
			c := ScalingCell{Width: w, Points: n}
			if est := prevMs * float64(n) / float64(max(prevN, 1)); prevMs > 0 && est > o.MaxStepS*1000 {
				c.EstimatedMs = est
				prevMs, prevN = est, n
			} else {
				p := Preset{Name: fmt.Sprintf("burgers-%dx%d-N%d", w, o.Depth, n), Problem: "burgers",
					Widths: slices.Repeat([]int{w}, o.Depth), Mode: "dense", Points: n}
				r, err := Run(b, p, Options{Warmup: 2, Deriv: o.Deriv, TargetS: o.TargetS, MinSteps: o.MinSteps, MaxSteps: o.MaxSteps})
				if err != nil {
					return cells, err
				}
				c.Result = r
				prevMs, prevN = r.MsMedian, n
			}
			cells = append(cells, c)
			if o.Progress != nil {
				o.Progress(c)
			}
		}
	}
	return cells, nil
}

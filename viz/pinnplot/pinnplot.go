// Package pinnplot turns training results of package solve into viz figures: per-term
// loss curves with the Adam and L-BFGS phases marked, prediction/reference/|error|
// heatmaps, singular-value spectra recorded during training, and rank-study charts.
// It also holds the small helpers the notebooks and "annsvd figures" share: problem
// set-up from the catalogue defaults, point subsampling for quick runs, live progress,
// and a small rank sweep.
//
//	res, run, err := solve.Train(b, p, net, cfg)
//	fig, err := pinnplot.Loss(res)
//	fig, err = pinnplot.Solution(run)
package pinnplot

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/viz"
)

// PhaseNames maps the history's phase identifiers to the labels drawn on loss curves.
var PhaseNames = func() map[string]string {
	m := map[string]string{"adam": "Adam"}
	for _, u := range solve.QNUpdates {
		m[string(u)] = u.Label()
	}
	return m
}()

// Loss plots the per-term loss history of res (unweighted mean squared residuals) and
// the total weighted loss on a log scale, with a dashed line at the start of each
// phase (Adam, L-BFGS). The title names the problem and the final relative L² error.
func Loss(res *solve.Result, opts ...viz.Option) (*viz.Figure, error) {
	if res == nil || len(res.History.Step) == 0 {
		return nil, fmt.Errorf("pinnplot: Loss: result has no loss history")
	}
	h := res.History
	names := make([]string, 0, len(h.Terms))
	for n := range h.Terms {
		names = append(names, n)
	}
	sort.Strings(names)
	series := []viz.LossSeries{{Term: "total (weighted)", Steps: h.Step, Values: h.Loss}}
	for _, n := range names {
		series = append(series, viz.LossSeries{Term: n, Steps: h.Step, Values: h.Terms[n]})
	}
	var phases []viz.Phase
	for i, ph := range h.Phase {
		if i == 0 || ph != h.Phase[i-1] {
			start := h.Step[i]
			if i == 0 {
				start = 0
			} else {
				start = h.Step[i-1]
			}
			name := PhaseNames[ph]
			if name == "" {
				name = ph
			}
			phases = append(phases, viz.Phase{Name: name, Start: start})
		}
	}
	title := res.Problem + " — loss"
	if res.Metrics.N > 0 {
		title += fmt.Sprintf(", rel. L² %.2e", res.Metrics.RelL2)
	}
	return viz.LossCurves(series, phases, title, opts...)
}

// PoissonPaperExact is the exact solution u = (1−x)(1−y) sin 5y of the paper's
// Poisson problem ("poisson-paper").
func PoissonPaperExact(x, y float64) float64 { return (1 - x) * (1 - y) * math.Sin(5*y) }

// Exact holds closed-form solutions u(x, y) by problem name, used by Solution when the
// problem's reference set is not a grid.
var Exact = map[string]func(x, y float64) float64{"poisson-paper": PoissonPaperExact}

// RefNames names each problem's reference in the Solution and TimeSlices legends
// (default "reference", or "exact" for a problem in Exact).
var RefNames = map[string]string{
	"burgers":    "Cole–Hopf reference",
	"allen-cahn": "spectral reference (ETDRK4)",
	"heat":       "exact",
}

// SliceTimes are the times tₖ the space–time figures (notebooks, annsvd figures) cut at:
// Raissi et al.'s for Burgers and Allen–Cahn, and three stages of the heat decay.
var SliceTimes = map[string][]float64{
	"burgers":    {0.25, 0.5, 0.75},
	"allen-cahn": {0.1, 0.5, 0.9},
	"heat":       {0, 0.25, 0.75},
}

// refName is the legend name of run's reference.
func refName(run *solve.Run) string {
	if n, ok := RefNames[run.Problem.Name]; ok {
		return n
	}
	if Exact[run.Problem.Name] != nil {
		return "exact"
	}
	return "reference"
}

// GridSize is the number of points per axis of the regular grid Solution uses for a
// closed-form reference.
var GridSize = 101

// Linspace returns n ≥ 2 evenly spaced values from lo to hi.
func Linspace(lo, hi float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return v
}

// Fields predicts with run on the grid (X[i], Y[j]) and returns the prediction and the
// reference u*(x, y) as viz fields (coordinates named after the problem's).
func Fields(run *solve.Run, x, y []float64, exact func(x, y float64) float64) (pred, ref viz.Field2D, err error) {
	if len(run.Problem.Coords) != 2 {
		return pred, ref, fmt.Errorf("pinnplot: problem %s has %d coordinates; heatmaps need 2", run.Problem.Name, len(run.Problem.Coords))
	}
	pts := make([][]float64, 0, len(x)*len(y))
	refZ := make([][]float64, len(x))
	for i, xi := range x {
		refZ[i] = make([]float64, len(y))
		for j, yj := range y {
			pts = append(pts, []float64{xi, yj})
			refZ[i][j] = exact(xi, yj)
		}
	}
	u, err := run.Predict(pts)
	if err != nil {
		return pred, ref, err
	}
	return field("prediction", run, x, y, u), viz.Field2D{Name: "reference", XLabel: run.Problem.Coords[0],
		YLabel: run.Problem.Coords[1], X: x, Y: y, Z: refZ}, nil
}

func field(name string, run *solve.Run, x, y []float64, u []float64) viz.Field2D {
	z := make([][]float64, len(x))
	for i := range x {
		z[i] = u[i*len(y) : (i+1)*len(y)]
	}
	return viz.Field2D{Name: name, XLabel: run.Problem.Coords[0], YLabel: run.Problem.Coords[1], X: x, Y: y, Z: z}
}

// SolutionFields returns the prediction and reference fields Solution draws: on the
// problem's reference grid when its EvalSet has one (e.g. Burgers against Cole–Hopf),
// else on a GridSize² regular grid over the reference points' bounding box with the
// closed-form solution from Exact.
func SolutionFields(run *solve.Run) (pred, ref viz.Field2D, err error) {
	if run == nil || run.Problem == nil {
		return pred, ref, fmt.Errorf("pinnplot: Solution: no run")
	}
	if run.Problem.Reference == nil {
		return pred, ref, fmt.Errorf("pinnplot: problem %s has no reference", run.Problem.Name)
	}
	es, err := run.Problem.Reference()
	if err != nil {
		return pred, ref, err
	}
	if g := es.Grid; g != nil {
		u, err := run.Predict(es.Points)
		if err != nil {
			return pred, ref, err
		}
		pred, ref = field("prediction", run, g.X, g.Y, u), field("reference", run, g.X, g.Y, es.U)
		return pred, ref, nil
	}
	exact := Exact[run.Problem.Name]
	if exact == nil {
		return pred, ref, fmt.Errorf("pinnplot: problem %s has no grid reference and no closed-form solution in pinnplot.Exact", run.Problem.Name)
	}
	lo, hi := []float64{math.Inf(1), math.Inf(1)}, []float64{math.Inf(-1), math.Inf(-1)}
	for _, p := range es.Points {
		for k := range 2 {
			lo[k], hi[k] = math.Min(lo[k], p[k]), math.Max(hi[k], p[k])
		}
	}
	return Fields(run, Linspace(lo[0], hi[0], GridSize), Linspace(lo[1], hi[1], GridSize), exact)
}

// Solution draws prediction, reference and |error| heatmaps of a trained 2-D run (see
// SolutionFields for the grid used).
func Solution(run *solve.Run, opts ...viz.Option) (*viz.Figure, error) {
	pred, ref, err := SolutionFields(run)
	if err != nil {
		return nil, err
	}
	ref.Name = refName(run)
	return viz.SolutionPanels(pred, ref, opts...)
}

// TimeSlices draws u(x, tₖ) of a trained space–time run against its reference at the
// given times (see viz.TimeSlices; SliceTimes has the ones the figures use), on the
// grid of SolutionFields.
func TimeSlices(run *solve.Run, times []float64, opts ...viz.Option) (*viz.Figure, error) {
	pred, ref, err := SolutionFields(run)
	if err != nil {
		return nil, err
	}
	ref.Name = refName(run)
	return viz.TimeSlices(pred, ref, times, opts...)
}

// Spectra draws one figure per SVD layer recorded by rec: the singular values at the
// given steps (nil: all recorded steps, thinned to at most 8 evenly spaced ones,
// keeping the first and last). A threshold τ > 0 is drawn as a dashed line.
func Spectra(rec *solve.SpectraRecorder, steps []int, tau float64, opts ...viz.Option) ([]*viz.Figure, error) {
	if rec == nil || len(rec.Records) == 0 {
		return nil, fmt.Errorf("pinnplot: Spectra: nothing recorded (add the SpectraRecorder to solve.Config.Hooks)")
	}
	recs := rec.Records
	if steps == nil {
		recs = thin(recs, 8)
	} else {
		recs = nil
		for _, s := range steps {
			i := slices.IndexFunc(rec.Records, func(r solve.SpectraRecord) bool { return r.Step == s })
			if i < 0 {
				return nil, fmt.Errorf("pinnplot: Spectra: step %d not recorded (recorded: %v)", s, rec.Steps())
			}
			recs = append(recs, rec.Records[i])
		}
	}
	if tau > 0 {
		opts = append([]viz.Option{viz.WithThreshold(tau)}, opts...)
	}
	var figs []*viz.Figure
	for _, layer := range rec.Layers() {
		var sp []viz.Spectrum
		for _, r := range recs {
			if s, ok := r.Sigma[layer]; ok {
				sp = append(sp, viz.Spectrum{Step: r.Step, Sigma: s})
			}
		}
		f, err := viz.Spectra(layer, sp, opts...)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// thin keeps at most n evenly spaced records, including the first and last.
func thin(recs []solve.SpectraRecord, n int) []solve.SpectraRecord {
	if len(recs) <= n {
		return recs
	}
	out := make([]solve.SpectraRecord, 0, n)
	for k := range n {
		out = append(out, recs[k*(len(recs)-1)/(n-1)])
	}
	return out
}

// Setup returns the problem name's catalogue problem and the network and training
// settings of its defaults, with spec applied to the paper's SVD placement (hidden map
// 1→2; Dense: no SVD layer). The SVD layer's bias follows the problem's default.
func Setup(name string, spec annsvd.LayerSpec) (*annsvd.Problem, annsvd.Config, solve.Config, error) {
	return SetupPreset(name, "", spec)
}

// SetupPreset is Setup with a named preset of the problem (see problems.Entry.Configure;
// "" is the defaults), seed 1.
func SetupPreset(name, preset string, spec annsvd.LayerSpec) (*annsvd.Problem, annsvd.Config, solve.Config, error) {
	return problems.Setup(name, preset, spec)
}

// LiveProgress returns a solve.Config.Progress callback that shows a viz.Progress bar
// per training phase (inline HTML under GoNB, a line display on w elsewhere), and a
// done function to call after training to finish the last bar.
func LiveProgress(w io.Writer, label string) (update func(solve.Progress), done func()) {
	var cur *viz.Progress
	phase := ""
	done = func() {
		if cur != nil {
			cur.Done()
			cur = nil
		}
	}
	closedAt := -1 // the step at which the current phase's bar was closed
	update = func(p solve.Progress) {
		if cur == nil && p.Phase == phase && p.Step == closedAt {
			return // a repeated final report of a phase already closed
		}
		if cur == nil || p.Phase != phase {
			done()
			phase = p.Phase
			name := PhaseNames[p.Phase]
			if name == "" {
				name = p.Phase
			}
			cur = viz.NewProgress(w, p.Total, label+" "+name)
		}
		cur.Update(p.Step, p.Loss)
		cur.SetNote(p.Note)
		if p.Done || (p.Total > 0 && p.Step >= p.Total) {
			done()
			closedAt = p.Step
		}
	}
	return update, done
}

// ErrorCurve returns the test-error history of res as a curve of relative L² error
// against wall time (s): the error recorded at each RAD resampling (solve.RADEvent)
// and the final one, each at the wall time of its step in the loss history. It
// returns an error if res has no recorded error.
func ErrorCurve(res *solve.Result, label string) (viz.Curve, error) {
	c := viz.Curve{Label: label}
	if res == nil || res.Metrics.N == 0 {
		return c, fmt.Errorf("pinnplot: ErrorCurve: %s has no error against a reference", label)
	}
	h := res.History
	wallAt := func(step int) float64 {
		i := sort.SearchInts(h.Step, step)
		if i == len(h.Step) {
			i--
		}
		if i < 0 {
			return math.NaN()
		}
		return h.WallS[i]
	}
	for _, ev := range res.RAD {
		if ev.Error != nil {
			c.X, c.Y = append(c.X, wallAt(ev.Step)), append(c.Y, ev.Error.RelL2)
		}
	}
	end := res.Timing.TrainS
	if end == 0 && len(h.WallS) > 0 {
		end = h.WallS[len(h.WallS)-1]
	}
	c.X, c.Y = append(c.X, end), append(c.Y, res.Metrics.RelL2)
	return c, nil
}

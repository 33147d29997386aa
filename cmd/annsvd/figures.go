package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/viz"
	"github.com/annsvd/annsvd/viz/pinnplot"
	"github.com/gomlx/gomlx/backends"
)

// figSizes are the experiment sizes of "annsvd figures" (full or -quick).
type figSizes struct {
	poissonAdam, poissonPoints, spectraEvery int
	studyAdam, studyPoints, studySeeds       int
	studyRanks                               []int
	studyTaus                                []float64
	// spaceTimeAdam, spaceTimeQN and spaceTimePoints shrink the space–time problems'
	// runs (Adam steps, quasi-Newton iterations, points per term); 0 keeps the defaults.
	spaceTimeAdam, spaceTimeQN, spaceTimePoints int
	// qnAdam, qnIters, qnRound and qnPoints shrink the optimizer comparison (Burgers'
	// "ssbroyden" preset against the same with L-BFGS); 0 keeps the preset's.
	qnAdam, qnIters, qnRound, qnPoints int
}

// Full sizes: the paper Poisson at its defaults (100 Adam steps, all 32 000 points);
// the rank study on a 4 000-point subsample; Burgers, Allen–Cahn and heat at their
// defaults; the optimizer comparison at the budgets of Burgers' "ssbroyden" preset.
var figFull = figSizes{poissonAdam: 100, poissonPoints: 0, spectraEvery: 10,
	studyAdam: 100, studyPoints: 4000, studySeeds: 3, studyRanks: []int{1, 2, 3, 5, 10, 20, 50}, studyTaus: []float64{0.25, 0.5, 1}}

// Quick sizes, for CI.
var figQuick = figSizes{poissonAdam: 20, poissonPoints: 1500, spectraEvery: 5,
	studyAdam: 10, studyPoints: 600, studySeeds: 2, studyRanks: []int{2, 8, 20}, studyTaus: []float64{0.5},
	spaceTimeAdam: 300, spaceTimeQN: 50, spaceTimePoints: 1000, qnAdam: 200, qnIters: 150, qnRound: 50, qnPoints: 1000}

// figWriter collects the figures and the index of a figures run.
type figWriter struct {
	dir   string
	index strings.Builder
	names []string
}

func (w *figWriter) save(name string, f *viz.Figure, caption string) error {
	if err := f.Save(filepath.Join(w.dir, name), "svg", "pdf", "png"); err != nil {
		return err
	}
	w.names = append(w.names, name)
	fmt.Fprintf(&w.index, "### %s\n\n![%s](%s.svg) ([PDF](%s.pdf), [PNG](%s.png))\n\n%s\n\n", name, name, name, name, name, caption)
	return nil
}

// figOutDir checks -out before any work: it must be missing or an empty directory,
// and its parent must be writable. It returns the temporary directory (in the parent)
// that the figures are written to and renamed from at the end.
func figOutDir(dir string) (tmp string, err error) {
	if dir == "" {
		return "", usageError{errors.New("-out DIR is required")}
	}
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return "", usageError{fmt.Errorf("-out %s exists and is not a directory", dir)}
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return "", fmt.Errorf("-out %s: cannot read: %v", dir, err)
		}
		if len(ents) > 0 {
			return "", usageError{fmt.Errorf("-out %s is not empty (%d entries): give a new or empty directory", dir, len(ents))}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("-out %s: %v", dir, err)
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return "", usageError{fmt.Errorf("-out %s: parent directory %s does not exist", dir, parent)}
	}
	tmp, err = os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("-out %s is not writable: %v", dir, firstLine(err.Error()))
	}
	return tmp, nil
}

func runFigures(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd figures", flag.ContinueOnError)
	out := fs.String("out", "", "output directory (new or empty); written via a temporary directory renamed at the end")
	quick := fs.Bool("quick", false, "small experiments for CI (Poisson 20 steps on 1 500 points, Burgers, Allen–Cahn and heat 300 Adam + 50 quasi-Newton iterations on 1 000 points per term, optimizer comparison 200 Adam + 150 quasi-Newton iterations on 1 000 points)")
	quiet := fs.Bool("quiet", false, "no progress display")
	fs.SetOutput(io.Discard)
	if err := parseFlags(fs, args, "usage: annsvd figures -out DIR [-quick]", stderr); err != nil {
		return err
	}
	tmp, err := figOutDir(*out)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	sz, label := figFull, "full"
	if *quick {
		sz, label = figQuick, "quick"
	}
	progress := io.Writer(stderr)
	if *quiet {
		progress = io.Discard
	}
	w := &figWriter{dir: tmp}
	t0 := time.Now()
	fmt.Fprintf(&w.index, "# annsvd figures (%s)\n\nBackend %s (%s). Regenerate with `annsvd figures -out DIR%s`.\n\n",
		label, b.Name(), engine.Describe(b), map[bool]string{true: " -quick", false: ""}[*quick])
	if *quick {
		w.index.WriteString("Quick mode: small budgets for CI, so the errors are far from converged (Burgers especially); run without -quick for the paper-sized experiments.\n\n")
	}
	steps := []struct {
		name string
		fn   func(backends.Backend, figSizes, *figWriter, io.Writer) error
	}{{"poisson", figPoisson}, {"rank study", figRankStudy}, {"space-time", figSpaceTime}, {"optimizers", figOptimizers}}
	for _, s := range steps {
		ts := time.Now()
		if err := s.fn(b, sz, w, progress); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(stderr, "figures: %s done in %.1fs\n", s.name, time.Since(ts).Seconds())
	}
	fmt.Fprintf(&w.index, "---\nTotal wall time %.0f s.\n", time.Since(t0).Seconds())
	if err := os.WriteFile(filepath.Join(tmp, "index.md"), []byte(w.index.String()), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	dir := filepath.Clean(*out)
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) { // empty, checked above
		return fmt.Errorf("-out %s: %v", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("-out %s: %v", dir, err)
	}
	ok = true
	fmt.Fprintf(stdout, "wrote %d figures (svg, pdf, png) and %s in %.0fs\n", len(w.names), filepath.Join(dir, "index.md"), time.Since(t0).Seconds())
	return nil
}

// figTrain trains one configuration with a live progress display.
func figTrain(b backends.Backend, p *annsvd.Problem, net annsvd.Config, cfg solve.Config, progress io.Writer, label string) (*solve.Result, *solve.Run, error) {
	upd, done := pinnplot.LiveProgress(progress, label)
	cfg.Progress = upd
	res, run, err := solve.Train(b, p, net, cfg)
	done()
	return res, run, err
}

// figPoissonModes are the paper's four variants.
var figPoissonModes = []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Thin},
	{Mode: annsvd.Compact, Rank: 3}, {Mode: annsvd.Truncated, Threshold: 0.5}}

func figSlug(s annsvd.LayerSpec) string {
	switch s.Mode {
	case annsvd.Compact:
		return fmt.Sprintf("compact_k%d", s.Rank)
	case annsvd.Truncated:
		return strings.ReplaceAll(fmt.Sprintf("truncated_tau%g", s.Threshold), ".", "p")
	}
	return s.Mode.String()
}

func figPoisson(b backends.Backend, sz figSizes, w *figWriter, progress io.Writer) error {
	fmt.Fprintf(&w.index, "## Paper Poisson: dense vs SVD modes\n\n")
	var table strings.Builder
	table.WriteString("| mode | kept rank | params | rel. L² | L∞ | ms/step | train s |\n|---|---|---|---|---|---|---|\n")
	var total []viz.LossSeries
	type figItem struct {
		name, caption string
		f             *viz.Figure
	}
	var items []figItem
	for _, spec := range figPoissonModes {
		p, net, cfg, err := pinnplot.Setup("poisson-paper", spec)
		if err != nil {
			return err
		}
		if sz.poissonPoints > 0 {
			p = annsvd.SubsampleStrided(p, sz.poissonPoints)
		}
		cfg.AdamSteps, cfg.LogEvery = sz.poissonAdam, 1
		rec := solve.NewSpectraRecorder(sz.spectraEvery)
		cfg.Hooks = append(cfg.Hooks, rec)
		res, run, err := figTrain(b, p, net, cfg, progress, "poisson "+spec.String())
		if err != nil {
			return fmt.Errorf("%s: %w", spec, err)
		}
		rank := "full"
		for _, l := range res.Network.Layers {
			if l.IsSVD() {
				rank = fmt.Sprint(l.Rank)
			}
		}
		m := res.Metrics
		fmt.Fprintf(&table, "| %s | %s | %d | %.3e | %.3e | %.1f | %.1f |\n", spec, rank, res.Network.Params, m.RelL2, m.LInf, res.Timing.AdamMsPerStep, res.Timing.TrainS)
		total = append(total, viz.LossSeries{Term: spec.String(), Steps: res.History.Step, Values: res.History.Loss})
		slug := figSlug(spec)
		f, err := pinnplot.Solution(run, viz.WithTitle(fmt.Sprintf("Poisson, %s: rel. L² %.2e (test split)", spec, m.RelL2)))
		if err != nil {
			return err
		}
		items = append(items, figItem{"poisson_solution_" + slug, fmt.Sprintf("Prediction, exact u = (1−x)(1−y) sin 5y and |error| on a %d² grid, %s: test-split rel. L² %.3e, L∞ %.3e, %d parameters.",
			pinnplot.GridSize, spec, m.RelL2, m.LInf, res.Network.Params), f})
		if spec.Mode == annsvd.Dense {
			continue
		}
		if err := rec.Record(run, run.Step); err != nil {
			return err
		}
		figs, err := pinnplot.Spectra(rec, nil, spec.Threshold, viz.WithTitle("singular values of hidden map 1→2 — "+spec.String()))
		if err != nil {
			return err
		}
		last := rec.Records[len(rec.Records)-1].Sigma["hidden 1→2"]
		first := rec.Records[0].Sigma["hidden 1→2"]
		items = append(items, figItem{"poisson_spectra_" + slug, fmt.Sprintf("Singular values of hidden map 1→2 (%s, kept rank %s) at steps %v: σ₁ %.3f → %.3f, σ_min %.3f → %.3f.",
			spec, rank, rec.Steps(), first[0], last[0], first[len(first)-1], last[len(last)-1]), figs[0]})
	}
	pts := "all 32 000 training points"
	if sz.poissonPoints > 0 {
		pts = fmt.Sprintf("%d of the 32 000 training points (quick)", sz.poissonPoints)
	}
	fmt.Fprintf(&w.index, "%d Adam steps, %s; error on the 20 %% test split.\n\n%s\n", sz.poissonAdam, pts, table.String())
	f, err := viz.LossCurves(total, []viz.Phase{{Name: "Adam", Start: 0}}, "Poisson: total loss by mode")
	if err != nil {
		return err
	}
	if err := w.save("poisson_loss", f, "Total loss per Adam step of the four modes (table above)."); err != nil {
		return err
	}
	for _, it := range items {
		if err := w.save(it.name, it.f, it.caption); err != nil {
			return err
		}
	}
	return nil
}

// figRankStudy runs the rank sweep behind the study charts (a small stand-in for
// package study: pinnplot.Sweep).
func figRankStudy(b backends.Backend, sz figSizes, w *figWriter, progress io.Writer) error {
	p, net, cfg, err := pinnplot.Setup("poisson-paper", annsvd.LayerSpec{})
	if err != nil {
		return err
	}
	p = annsvd.SubsampleStrided(p, sz.studyPoints)
	cfg.AdamSteps = sz.studyAdam
	specs := []annsvd.LayerSpec{{Mode: annsvd.Dense}}
	for _, k := range sz.studyRanks {
		specs = append(specs, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: k})
	}
	for _, tau := range sz.studyTaus {
		specs = append(specs, annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: tau})
	}
	runs, err := pinnplot.Sweep(b, p, net, cfg, true, specs, sz.studySeeds, func(s string) { fmt.Fprintln(progress, "study:", s) })
	if err != nil {
		return err
	}
	fmt.Fprintf(&w.index, "## Rank study (paper Poisson)\n\n%d Adam steps on %d training points, %d seed(s); top-k = compact k, threshold = truncated σ ≥ τ; "+
		"the SVD layer is hidden map 1→2 (50×70), k(m+n+1) = 121k parameters.\n\n%s\n", sz.studyAdam, sz.studyPoints, sz.studySeeds, pinnplot.StudyTable(runs))
	er, ep, tr, err := pinnplot.RankStudy(runs)
	if err != nil {
		return err
	}
	pts, de, dm := pinnplot.StudyPoints(runs)
	best := pts[0]
	for _, pt := range pts {
		if pt.ErrMean < best.ErrMean {
			best = pt
		}
	}
	if err := w.save("study_error_vs_rank", er, fmt.Sprintf("Mean rel. L² error (±1 std) against kept rank; dense baseline %.3e (dashed); best SVD point %s rank %d: %.3e.", de, best.Mode, best.Rank, best.ErrMean)); err != nil {
		return err
	}
	if err := w.save("study_error_vs_params", ep, "Mean rel. L² error against trainable parameter count (table above)."); err != nil {
		return err
	}
	return w.save("study_time_vs_rank", tr, fmt.Sprintf("Median Adam step time against kept rank; dense %.1f ms/step (dashed).", dm))
}

// figSpaceTime trains each space–time problem of figSpaceTimeProblems at its defaults
// (the quasi-Newton recipe) and draws the heatmaps against the reference, the time
// slices at pinnplot.SliceTimes and the loss curves.
func figSpaceTime(b backends.Backend, sz figSizes, w *figWriter, progress io.Writer) error {
	for _, name := range figSpaceTimeProblems {
		if err := figSpaceTimeOne(b, name, sz, w, progress); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// figSpaceTimeProblems are the problems of figSpaceTime, in figure order.
var figSpaceTimeProblems = []string{"burgers", "allen-cahn", "heat"}

func figSpaceTimeOne(b backends.Backend, name string, sz figSizes, w *figWriter, progress io.Writer) error {
	p, net, cfg, err := pinnplot.Setup(name, annsvd.LayerSpec{})
	if err != nil {
		return err
	}
	if sz.spaceTimeAdam > 0 {
		cfg.AdamSteps, cfg.LBFGSIters = sz.spaceTimeAdam, sz.spaceTimeQN
		p = annsvd.SubsampleStrided(p, sz.spaceTimePoints)
	}
	res, run, err := figTrain(b, p, net, cfg, progress, name)
	if err != nil {
		return err
	}
	m := res.Metrics
	qn := ""
	if res.LBFGS != nil {
		qn = fmt.Sprintf(", then %s %d iterations (%.1f s)", res.Settings.QN.Label(), res.Step-cfg.AdamSteps, res.Timing.LBFGSS)
	}
	slug := strings.ReplaceAll(name, "-", "_")
	ref := pinnplot.RefNames[name]
	if ref == "exact" {
		ref = "exact solution"
	}
	fmt.Fprintf(&w.index, "## %s (defaults: %v %s, %s)\n\n`%s`\n\n%d Adam steps (%.1f ms/step)%s; %.0f s in all. Against the %s: rel. L² %.3e, L∞ %.3e.\n\n",
		name, net.Widths, strings.ToLower(cfg.DType.String()), net.Activation, p.Equation, cfg.AdamSteps, res.Timing.AdamMsPerStep, qn, res.Timing.TrainS, ref, m.RelL2, m.LInf)
	f, err := pinnplot.Solution(run, viz.WithTitle(fmt.Sprintf("%s u(x,t): rel. L² %.2e", name, m.RelL2)))
	if err != nil {
		return err
	}
	if err := w.save(slug+"_solution", f, fmt.Sprintf("Space–time heatmaps (x horizontal, t vertical) of the prediction, the %s and |error|: rel. L² %.3e, L∞ %.3e.", ref, m.RelL2, m.LInf)); err != nil {
		return err
	}
	times := pinnplot.SliceTimes[name]
	if f, err = pinnplot.TimeSlices(run, times); err != nil {
		return err
	}
	if err := w.save(slug+"_slices", f, fmt.Sprintf("u(x, t) at t = %v (nearest grid times): prediction (solid) and %s (dashed), with each slice's max |error|.", times, ref)); err != nil {
		return err
	}
	if f, err = pinnplot.Loss(res); err != nil {
		return err
	}
	last := len(res.History.Loss) - 1
	return w.save(slug+"_loss", f, fmt.Sprintf("Per-term losses and the weighted total, Adam then the quasi-Newton phase (dashed line at step %d; RAD resamplings show as jumps); final total %.3e.", cfg.AdamSteps, res.History.Loss[last]))
}

// figOptimizers compares the quasi-Newton phase of Burgers' "ssbroyden" preset (dense
// self-scaled Broyden) with the same recipe under L-BFGS: the relative L² error after
// every RAD round against wall time.
func figOptimizers(b backends.Backend, sz figSizes, w *figWriter, progress io.Writer) error {
	e, err := problems.Get("burgers")
	if err != nil {
		return err
	}
	d, err := e.Preset(problems.PresetSSBroyden)
	if err != nil {
		return err
	}
	for _, v := range []struct {
		dst *int
		n   int
	}{{&d.AdamSteps, sz.qnAdam}, {&d.LBFGSIters, sz.qnIters}, {&d.RAD.LBFGSEvery, sz.qnRound}, {&d.Points, sz.qnPoints}} {
		if v.n > 0 {
			*v.dst = v.n
		}
	}
	var curves []viz.Curve
	rows := ""
	for _, qn := range []solve.QNUpdate{solve.QNSSBroyden, solve.QNLBFGS} {
		d.QN = qn
		p, net, cfg, err := e.ConfigureDefaults(d, 1)
		if err != nil {
			return err
		}
		res, _, err := figTrain(b, p, net, cfg, progress, "burgers "+qn.Label())
		if err != nil {
			return err
		}
		c, err := pinnplot.ErrorCurve(res, "Adam + "+qn.Label())
		if err != nil {
			return err
		}
		curves = append(curves, c)
		rows += fmt.Sprintf("| Adam + %s | %.3e | %.3e | %.0f |\n", qn.Label(), res.Metrics.RelL2, res.Metrics.LInf, res.Timing.TrainS)
	}
	fmt.Fprintf(&w.index, "## Burgers: quasi-Newton methods (preset ssbroyden: %v float64, hard constraint, %d interior points, %d Adam steps, then %d iterations in RAD rounds of %d)\n\n| optimizer | rel. L² | L∞ | train s |\n|---|---|---|---|\n%s\n",
		d.Widths, d.Points, d.AdamSteps, d.LBFGSIters, d.RAD.LBFGSEvery, rows)
	f, err := viz.Curves(curves, "Burgers: relative L² error against wall time", "wall time (s)", "relative L² error")
	if err != nil {
		return err
	}
	return w.save("burgers_optimizers", f, fmt.Sprintf("Relative L² error against the Cole–Hopf reference after each round of %d quasi-Newton iterations (and at the end), against wall time since the start of training: dense self-scaled Broyden vs L-BFGS, same network, points and Adam phase.", d.RAD.LBFGSEvery))
}

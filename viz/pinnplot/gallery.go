package pinnplot

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/problems/experiments"
	"github.com/annsvd/annsvd/viz"
)

// Item is one figure of the gallery: its file name (without extension), its caption
// and the figure.
type Item struct {
	Name, Caption string
	Figure        *viz.Figure
}

// Section is one section of the annsvd figures index: its Markdown (heading, text and
// tables), then its figures.
type Section struct {
	Markdown string
	Items    []Item
}

// Save writes the section's figures to dir as NAME.svg, .pdf and .png, and its
// Markdown with each figure's link and caption to index.
func (s *Section) Save(dir string, index *strings.Builder) error {
	index.WriteString(s.Markdown)
	for _, it := range s.Items {
		if err := it.Figure.Save(filepath.Join(dir, it.Name), "svg", "pdf", "png"); err != nil {
			return err
		}
		fmt.Fprintf(index, "### %s\n\n![%s](%s.svg) ([PDF](%s.pdf), [PNG](%s.png))\n\n%s\n\n", it.Name, it.Name, it.Name, it.Name, it.Name, it.Caption)
	}
	return nil
}

// specSlug names a layer spec in file names: dense, thin, compact_k3, truncated_tau0p5.
func specSlug(s annsvd.LayerSpec) string {
	switch s.Mode {
	case annsvd.Compact:
		return fmt.Sprintf("compact_k%d", s.Rank)
	case annsvd.Truncated:
		return strings.ReplaceAll(fmt.Sprintf("truncated_tau%g", s.Threshold), ".", "p")
	}
	return s.Mode.String()
}

// PoissonSection draws the paper Poisson experiment (experiments.PoissonPaperModes):
// the table of the modes, their total losses, and per mode the solution and (SVD
// modes) the singular values of the factorised map over training.
func PoissonSection(runs []experiments.ModeRun, sz experiments.FigureSizes) (*Section, error) {
	var table strings.Builder
	table.WriteString("| mode | kept rank | params | rel. L² | L∞ | ms/step | train s |\n|---|---|---|---|---|---|---|\n")
	var total []viz.LossSeries
	var items []Item
	for _, mr := range runs {
		spec, res, m := mr.Spec, mr.Result, mr.Result.Metrics
		rank := "full"
		for _, l := range res.Network.Layers {
			if l.IsSVD() {
				rank = fmt.Sprint(l.Rank)
			}
		}
		fmt.Fprintf(&table, "| %s | %s | %d | %.3e | %.3e | %.1f | %.1f |\n", spec, rank, res.Network.Params, m.RelL2, m.LInf, res.Timing.AdamMsPerStep, res.Timing.TrainS)
		total = append(total, viz.LossSeries{Term: spec.String(), Steps: res.History.Step, Values: res.History.Loss})
		f, err := Solution(mr.Run, viz.WithTitle(fmt.Sprintf("Poisson, %s: rel. L² %.2e (test split)", spec, m.RelL2)))
		if err != nil {
			return nil, err
		}
		items = append(items, Item{"poisson_solution_" + specSlug(spec), fmt.Sprintf("Prediction, exact u = (1−x)(1−y) sin 5y and |error| on a %d² grid, %s: test-split rel. L² %.3e, L∞ %.3e, %d parameters.",
			GridSize, spec, m.RelL2, m.LInf, res.Network.Params), f})
		if mr.Spectra == nil {
			continue
		}
		rec := mr.Spectra
		figs, err := Spectra(rec, nil, spec.Threshold, viz.WithTitle("singular values of hidden map 1→2 — "+spec.String()))
		if err != nil {
			return nil, err
		}
		first, last := rec.Records[0].Sigma["hidden 1→2"], rec.Records[len(rec.Records)-1].Sigma["hidden 1→2"]
		items = append(items, Item{"poisson_spectra_" + specSlug(spec), fmt.Sprintf("Singular values of hidden map 1→2 (%s, kept rank %s) at steps %v: σ₁ %.3f → %.3f, σ_min %.3f → %.3f.",
			spec, rank, rec.Steps(), first[0], last[0], first[len(first)-1], last[len(last)-1]), figs[0]})
	}
	pts := "all 32 000 training points"
	if sz.PoissonPoints > 0 {
		pts = fmt.Sprintf("%d of the 32 000 training points (quick)", sz.PoissonPoints)
	}
	f, err := viz.LossCurves(total, []viz.Phase{{Name: "Adam", Start: 0}}, "Poisson: total loss by mode")
	if err != nil {
		return nil, err
	}
	return &Section{
		Markdown: fmt.Sprintf("## Paper Poisson: dense vs SVD modes\n\n%d Adam steps, %s; error on the 20 %% test split.\n\n%s\n", sz.PoissonAdam, pts, table.String()),
		Items:    append([]Item{{"poisson_loss", "Total loss per Adam step of the four modes (table above).", f}}, items...),
	}, nil
}

// RankStudySection draws the rank study (experiments.RankStudy): its table and the
// error-against-rank, error-against-parameters and time-against-rank charts.
func RankStudySection(out *study.Outcome, sz experiments.FigureSizes) (*Section, error) {
	s := out.Summary
	er, ep, tr, err := RankStudy(s)
	if err != nil {
		return nil, err
	}
	pts, de, dm := StudyPoints(s)
	best := pts[0]
	for _, pt := range pts {
		if pt.ErrMean < best.ErrMean {
			best = pt
		}
	}
	return &Section{
		Markdown: fmt.Sprintf("## Rank study (paper Poisson)\n\n%d Adam steps on %d training points, %d seed(s); top-k = compact k, threshold = truncated σ ≥ τ; "+
			"the SVD layer is hidden map 1→2 (50×70), k(m+n+1) = 121k parameters.\n\n%s\n", sz.StudyAdam, sz.StudyPoints, sz.StudySeeds, s.MarkdownAt(3)),
		Items: []Item{
			{"study_error_vs_rank", fmt.Sprintf("Mean rel. L² error (±1 std) against kept rank; dense baseline %.3e (dashed); best SVD point %s rank %d: %.3e.", de, best.Mode, best.Rank, best.ErrMean), er},
			{"study_error_vs_params", "Mean rel. L² error against trainable parameter count (table above).", ep},
			{"study_time_vs_rank", fmt.Sprintf("Median Adam step time against kept rank; dense %.1f ms/step (dashed).", dm), tr},
		},
	}, nil
}

// SpaceTimeSection draws a space–time problem trained at its defaults
// (experiments.SpaceTime): heatmaps against the reference, the time slices at
// SliceTimes and the loss curves.
func SpaceTimeSection(st *experiments.SpaceTimeRun) (*Section, error) {
	res, cfg, m, name := st.Result, st.Config, st.Result.Metrics, st.Name
	qn := ""
	if res.LBFGS != nil {
		qn = fmt.Sprintf(", then %s %d iterations (%.1f s)", res.Settings.QN.Label(), res.Step-cfg.AdamSteps, res.Timing.LBFGSS)
	}
	slug := strings.ReplaceAll(name, "-", "_")
	ref := RefNames[name]
	if ref == "exact" {
		ref = "exact solution"
	}
	sec := &Section{Markdown: fmt.Sprintf("## %s (defaults: %v %s, %s)\n\n`%s`\n\n%d Adam steps (%.1f ms/step)%s; %.0f s in all. Against the %s: rel. L² %.3e, L∞ %.3e.\n\n",
		name, st.Net.Widths, strings.ToLower(cfg.DType.String()), st.Net.Activation, st.Problem.Equation, cfg.AdamSteps, res.Timing.AdamMsPerStep, qn, res.Timing.TrainS, ref, m.RelL2, m.LInf)}
	f, err := Solution(st.Run, viz.WithTitle(fmt.Sprintf("%s u(x,t): rel. L² %.2e", name, m.RelL2)))
	if err != nil {
		return nil, err
	}
	sec.Items = append(sec.Items, Item{slug + "_solution", fmt.Sprintf("Space–time heatmaps (x horizontal, t vertical) of the prediction, the %s and |error|: rel. L² %.3e, L∞ %.3e.", ref, m.RelL2, m.LInf), f})
	times := SliceTimes[name]
	if f, err = TimeSlices(st.Run, times); err != nil {
		return nil, err
	}
	sec.Items = append(sec.Items, Item{slug + "_slices", fmt.Sprintf("u(x, t) at t = %v (nearest grid times): prediction (solid) and %s (dashed), with each slice's max |error|.", times, ref), f})
	if f, err = Loss(res); err != nil {
		return nil, err
	}
	last := len(res.History.Loss) - 1
	sec.Items = append(sec.Items, Item{slug + "_loss", fmt.Sprintf("Per-term losses and the weighted total, Adam then the quasi-Newton phase (dashed line at step %d; RAD resamplings show as jumps); final total %.3e.", cfg.AdamSteps, res.History.Loss[last]), f})
	return sec, nil
}

// OptimizersSection draws the optimizer comparison (experiments.Optimizers): the
// relative L² error after every RAD round against wall time.
func OptimizersSection(d problems.Defaults, runs []experiments.OptimizerRun) (*Section, error) {
	var curves []viz.Curve
	rows := ""
	for _, r := range runs {
		c, err := ErrorCurve(r.Result, "Adam + "+r.QN.Label())
		if err != nil {
			return nil, err
		}
		curves = append(curves, c)
		rows += fmt.Sprintf("| Adam + %s | %.3e | %.3e | %.0f |\n", r.QN.Label(), r.Result.Metrics.RelL2, r.Result.Metrics.LInf, r.Result.Timing.TrainS)
	}
	f, err := viz.Curves(curves, "Burgers: relative L² error against wall time", "wall time (s)", "relative L² error")
	if err != nil {
		return nil, err
	}
	return &Section{
		Markdown: fmt.Sprintf("## Burgers: quasi-Newton methods (preset ssbroyden: %v float64, hard constraint, %d interior points, %d Adam steps, then %d iterations in RAD rounds of %d)\n\n| optimizer | rel. L² | L∞ | train s |\n|---|---|---|---|\n%s\n",
			d.Widths, d.Points, d.AdamSteps, d.LBFGSIters, d.RAD.LBFGSEvery, rows),
		Items: []Item{{"burgers_optimizers", fmt.Sprintf("Relative L² error against the Cole–Hopf reference after each round of %d quasi-Newton iterations (and at the end), against wall time since the start of training: dense self-scaled Broyden vs L-BFGS, same network, points and Adam phase.", d.RAD.LBFGSEvery), f}},
	}, nil
}

package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/adapt"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
)

// adaptRow is one run of an adapt experiment.
type adaptRow struct {
	Run       string               `json:"run"`
	Ranks     []int                `json:"ranks"`
	Params    int                  `json:"params"`
	RelL2     float64              `json:"rel_l2"`
	TrainS    float64              `json:"train_s"`
	MsPerStep float64              `json:"ms_per_step"`
	Ortho     []adapt.OrthoRecord  `json:"ortho,omitempty"`
	RankLog   []adapt.RankRecord   `json:"rank_log,omitempty"`
	Events    []string             `json:"events,omitempty"`
	Sigma     map[string][]float64 `json:"sigma,omitempty"`
}

func runAdapt(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd adapt", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	exp := fs.String("experiment", "rank", "rank: adaptive rank vs dense vs fixed rank; ortho: none vs penalty vs QR retraction")
	problem := fs.String("problem", "poisson-paper", "problem name")
	points := fs.Int("points", 1000, "subsample every loss term to at most N points (0: all)")
	steps := fs.Int("adam", 600, "Adam steps")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	every := fs.Int("every", 100, "period in steps of the rank check, the retraction and the orthogonality log")
	tol := fs.Float64("tol", 0.3, "adaptive rank: drop σᵢ < tol·σ₁, tol ∈ (0,1)")
	mu := fs.Float64("mu", 1e-2, "orthogonality penalty weight μ")
	rank := fs.Int("rank", 8, "ortho experiment: compact rank k of layer 1")
	seed := fs.Int64("seed", 1, "seed")
	out := fs.String("out", "", "directory for adapt.json")
	if err := parseFlags(fs, args, "usage: annsvd adapt -experiment rank|ortho [flags]", stderr); err != nil {
		return err
	}
	entry, err := problems.Get(*problem)
	if err != nil {
		return usageError{err}
	}
	p, err := entry.New()
	if err != nil {
		return err
	}
	if *points > 0 {
		p = annsvd.SubsampleRandom(p, *points)
	}
	if *every < 1 || *steps < 1 || *seed < 0 {
		return usageError{fmt.Errorf("-every, -adam must be ≥ 1 and -seed ≥ 0")}
	}
	if err := checkOut(*out); err != nil {
		return err
	}
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	d := entry.Defaults
	net := func(spec annsvd.LayerSpec) annsvd.Config {
		spec.NoBias = d.SVDNoBias
		return annsvd.Config{Widths: d.Widths, Activation: d.Activation, SVD: annsvd.DefaultSVD(spec)}
	}
	cfg := solve.Config{AdamSteps: *steps, LR: *lr, Seed: uint64(*seed)}
	var rows []adaptRow
	train := func(name string, spec annsvd.LayerSpec, c solve.Config, olog *adapt.OrthoLog) (*adaptRow, *solve.Run, error) {
		if olog != nil { // first, so that it sees the drift before any retraction
			c.Hooks = append([]solve.Hook{olog}, c.Hooks...)
		}
		res, r, err := solve.Train(b, p, net(spec), c)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		row := adaptRow{Run: name, Ranks: adapt.Ranks(r), Params: r.Net.Params(), RelL2: res.Metrics.RelL2, TrainS: res.Timing.TrainS,
			MsPerStep: res.Timing.AdamMsPerStep, Events: r.History.Events, Sigma: res.Sigma}
		if olog != nil {
			row.Ortho = olog.Records
		}
		rows = append(rows, row)
		return &rows[len(rows)-1], r, nil
	}
	switch *exp {
	case "rank":
		hook, err := adapt.NewAdaptiveRank(*every, *tol)
		if err != nil {
			return usageError{err}
		}
		c := cfg
		c.Hooks = []solve.Hook{hook}
		row, _, err := train(fmt.Sprintf("adaptive thin→ (every %d, tol %g)", *every, *tol), annsvd.LayerSpec{Mode: annsvd.Thin}, c, nil)
		if err != nil {
			return err
		}
		row.RankLog = hook.Log
		final := row.Ranks[0]
		if _, _, err := train("dense", annsvd.LayerSpec{}, cfg, nil); err != nil {
			return err
		}
		if _, _, err := train(fmt.Sprintf("fixed compact k=%d", final), annsvd.LayerSpec{Mode: annsvd.Compact, Rank: final}, cfg, nil); err != nil {
			return err
		}
		if _, _, err := train("fixed thin", annsvd.LayerSpec{Mode: annsvd.Thin}, cfg, nil); err != nil {
			return err
		}
	case "ortho":
		spec := annsvd.LayerSpec{Mode: annsvd.Compact, Rank: *rank}
		if _, _, err := train("none", spec, cfg, &adapt.OrthoLog{Every: *every}); err != nil {
			return err
		}
		reg, err := adapt.OrthoPenalty(*mu, []int{1})
		if err != nil {
			return usageError{err}
		}
		c := cfg
		c.Regularizers = []solve.Regularizer{reg}
		if _, _, err := train(fmt.Sprintf("penalty μ=%g", *mu), spec, c, &adapt.OrthoLog{Every: *every}); err != nil {
			return err
		}
		c = cfg
		c.Hooks = []solve.Hook{&adapt.QRRetraction{Every: *every}}
		// The log runs before the retraction hook: it shows the drift over each period.
		if _, _, err := train(fmt.Sprintf("QR retraction every %d", *every), spec, c, &adapt.OrthoLog{Every: *every}); err != nil {
			return err
		}
	default:
		return usageError{fmt.Errorf("-experiment %q: allowed rank, ortho", *exp)}
	}
	printAdapt(stdout, rows, *exp)
	return writeOutJSON(stdout, *out, "adapt.json", rows)
}

func printAdapt(w io.Writer, rows []adaptRow, exp string) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "run\trank\tparams\trel L2\tms/step\ttrain s\tmax ‖UᵀU−I‖,‖VᵀV−I‖ (logged)")
	for _, r := range rows {
		orth := "-"
		if len(r.Ortho) > 0 {
			worst := 0.0
			for _, o := range r.Ortho {
				worst = max(worst, o.U, o.V)
			}
			last := r.Ortho[len(r.Ortho)-1]
			orth = fmt.Sprintf("max %.3g, final %.3g/%.3g", worst, last.U, last.V)
		}
		fmt.Fprintf(tw, "%s\t%v\t%d\t%.3e\t%.1f\t%.1f\t%s\n", r.Run, r.Ranks, r.Params, r.RelL2, r.MsPerStep, r.TrainS, orth)
	}
	tw.Flush()
	for _, r := range rows {
		for _, e := range r.Events {
			if exp == "rank" {
				fmt.Fprintf(w, "  %s: %s\n", r.Run, e)
			}
		}
	}
}

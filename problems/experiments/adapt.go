package experiments

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/adapt"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
)

// AdaptConfig is an adapt experiment on a catalogue problem at its default network.
type AdaptConfig struct {
	// Experiment is "rank" (adaptive rank against dense and fixed ranks) or "ortho"
	// (no control against an orthogonality penalty and a QR retraction).
	Experiment string
	Problem    string
	// Points subsamples every loss term to at most this many points (0: all).
	Points int
	// Steps Adam steps at learning rate LR, seed Seed.
	Steps int
	LR    float64
	Seed  uint64
	// Every is the period of the rank check, the retraction and the orthogonality log.
	Every int
	// Tol is the adaptive rank's relative threshold (drop σᵢ < Tol·σ₁).
	Tol float64
	// Mu is the orthogonality penalty weight; Rank the compact rank of the ortho runs.
	Mu   float64
	Rank int
}

// AdaptRow is one run of an adapt experiment.
type AdaptRow struct {
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

// adaptRun is one planned run: its name, layer spec, configuration and orthogonality log.
type adaptRun struct {
	name string
	spec annsvd.LayerSpec
	cfg  solve.Config
	log  *adapt.OrthoLog
}

// Register binds the configuration to flags of fs, with annsvd adapt's defaults.
func (c *AdaptConfig) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Experiment, "experiment", "rank", "rank: adaptive rank vs dense vs fixed rank; ortho: none vs penalty vs QR retraction")
	fs.StringVar(&c.Problem, "problem", "poisson-paper", "problem name")
	fs.IntVar(&c.Points, "points", 1000, "subsample every loss term to at most N points (0: all)")
	fs.IntVar(&c.Steps, "adam", 600, "Adam steps")
	fs.Float64Var(&c.LR, "lr", 1e-3, "Adam learning rate")
	fs.IntVar(&c.Every, "every", 100, "period in steps of the rank check, the retraction and the orthogonality log")
	fs.Float64Var(&c.Tol, "tol", 0.3, "adaptive rank: drop σᵢ < tol·σ₁, tol ∈ (0,1)")
	fs.Float64Var(&c.Mu, "mu", 1e-2, "orthogonality penalty weight μ")
	fs.IntVar(&c.Rank, "rank", 8, "ortho experiment: compact rank k of layer 1")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed")
}

// Validate checks the configuration and builds the problem, without training.
func (c AdaptConfig) Validate() error {
	_, _, _, _, err := c.plan()
	return err
}

// Adapt validates c and runs its experiment on b.
func Adapt(b backends.Backend, c AdaptConfig) ([]AdaptRow, error) {
	p, d, runs, rank, err := c.plan()
	if err != nil {
		return nil, err
	}
	var rows []AdaptRow
	for i := 0; i < len(runs); i++ {
		r := runs[i]
		if r.log != nil { // first, so that it sees the drift before any retraction
			r.cfg.Hooks = append([]solve.Hook{r.log}, r.cfg.Hooks...)
		}
		r.spec.NoBias = d.SVDNoBias
		net := annsvd.Config{Widths: d.Widths, Activation: d.Activation, SVD: annsvd.DefaultSVD(r.spec)}
		res, run, err := solve.Train(b, p, net, r.cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		row := AdaptRow{Run: r.name, Ranks: adapt.Ranks(run), Params: run.Net.Params(), RelL2: res.Metrics.RelL2, TrainS: res.Timing.TrainS,
			MsPerStep: res.Timing.AdamMsPerStep, Events: run.History.Events, Sigma: res.Sigma}
		if r.log != nil {
			row.Ortho = r.log.Records
		}
		if rank != nil && i == 0 { // the adaptive run fixes the rank of the fixed-rank run
			row.RankLog = rank.Log
			k := row.Ranks[0]
			runs = append(runs, adaptRun{name: fmt.Sprintf("fixed compact k=%d", k), spec: annsvd.LayerSpec{Mode: annsvd.Compact, Rank: k}, cfg: runs[1].cfg},
				adaptRun{name: "fixed thin", spec: annsvd.LayerSpec{Mode: annsvd.Thin}, cfg: runs[1].cfg})
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// plan checks c and returns its problem, defaults and runs (with the adaptive-rank hook
// of the rank experiment).
func (c AdaptConfig) plan() (*annsvd.Problem, problems.Defaults, []adaptRun, *adapt.AdaptiveRank, error) {
	var d problems.Defaults
	if c.Every < 1 || c.Steps < 1 {
		return nil, d, nil, nil, fmt.Errorf("-every %d and -adam %d must be ≥ 1", c.Every, c.Steps)
	}
	e, err := problems.Get(c.Problem)
	if err != nil {
		return nil, d, nil, nil, err
	}
	p, err := e.New()
	if err != nil {
		return nil, d, nil, nil, err
	}
	if c.Points > 0 {
		p = annsvd.SubsampleRandom(p, c.Points)
	}
	cfg := solve.Config{AdamSteps: c.Steps, LR: c.LR, Seed: c.Seed}
	with := func(f func(*solve.Config)) solve.Config { x := cfg; f(&x); return x }
	switch c.Experiment {
	case "rank":
		hook, err := adapt.NewAdaptiveRank(c.Every, c.Tol)
		if err != nil {
			return nil, d, nil, nil, err
		}
		return p, e.Defaults, []adaptRun{
			{name: fmt.Sprintf("adaptive thin→ (every %d, tol %g)", c.Every, c.Tol), spec: annsvd.LayerSpec{Mode: annsvd.Thin},
				cfg: with(func(x *solve.Config) { x.Hooks = []solve.Hook{hook} })},
			{name: "dense", cfg: cfg}}, hook, nil
	case "ortho":
		reg, err := adapt.OrthoPenalty(c.Mu, []int{1})
		if err != nil {
			return nil, d, nil, nil, err
		}
		spec := annsvd.LayerSpec{Mode: annsvd.Compact, Rank: c.Rank}
		return p, e.Defaults, []adaptRun{
			{name: "none", spec: spec, cfg: cfg, log: &adapt.OrthoLog{Every: c.Every}},
			{name: fmt.Sprintf("penalty μ=%g", c.Mu), spec: spec, log: &adapt.OrthoLog{Every: c.Every},
				cfg: with(func(x *solve.Config) { x.Regularizers = []solve.Regularizer{reg} })},
			// The log runs before the retraction hook: it shows the drift over each period.
			{name: fmt.Sprintf("QR retraction every %d", c.Every), spec: spec, log: &adapt.OrthoLog{Every: c.Every},
				cfg: with(func(x *solve.Config) { x.Hooks = []solve.Hook{&adapt.QRRetraction{Every: c.Every}} })},
		}, nil, nil
	}
	return nil, d, nil, nil, fmt.Errorf("-experiment %q: allowed rank, ortho", c.Experiment)
}

// PrintAdapt writes the rows of an adapt experiment as a table (and the rank events of
// the rank experiment).
func PrintAdapt(w io.Writer, rows []AdaptRow, experiment string) {
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
	if experiment != "rank" {
		return
	}
	for _, r := range rows {
		for _, e := range r.Events {
			fmt.Fprintf(w, "  %s: %s\n", r.Run, e)
		}
	}
}

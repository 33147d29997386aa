package experiments

import (
	"flag"
	"fmt"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/problems"
)

// StudyOptions are the settings of annsvd study (Register binds them to flags); Config
// turns them into a study of a catalogue problem.
type StudyOptions struct {
	Problem, Modes, Ranks, Thresholds, Out, Widths, Layers string
	Relative, Quick, Quiet                                 bool
	Seeds, Adam, LBFGS, Points                             int
	Tol                                                    float64
}

// Register binds the options to flags of fs.
func (f *StudyOptions) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Problem, "problem", "poisson-paper", "problem name: "+strings.Join(problems.Names(), ", "))
	fs.StringVar(&f.Modes, "modes", "thin,compact,truncated", "comma list of modes studied against dense: thin, compact, truncated")
	fs.StringVar(&f.Ranks, "ranks", "2,4,8,16,32", "ranks k of compact cells")
	fs.StringVar(&f.Thresholds, "thresholds", "0.1,0.3,0.5", "thresholds τ of truncated cells (absolute, or ×σ₁ with -relative)")
	fs.BoolVar(&f.Relative, "relative", false, "thresholds relative to σ₁")
	fs.IntVar(&f.Seeds, "seeds", 5, "seeds per cell (1..N)")
	fs.StringVar(&f.Out, "out", "", "output directory: study.jsonl (resumable), study.md, study.csv (required)")
	fs.BoolVar(&f.Quick, "quick", false, "smoke run: 20 Adam steps, no L-BFGS, first 2 ranks and thresholds, ≤ 2 seeds, ≤ 500 points per term")
	fs.Float64Var(&f.Tol, "tol", 1.5, "report the smallest rank whose mean error ≤ tol × dense mean error")
	fs.IntVar(&f.Adam, "adam", -1, "Adam steps (default: the problem's)")
	fs.IntVar(&f.LBFGS, "lbfgs", -1, "L-BFGS iterations (default: the problem's)")
	fs.StringVar(&f.Widths, "widths", "", "hidden widths (default: the problem's)")
	fs.StringVar(&f.Layers, "svd-layers", "1", "hidden-to-hidden maps factorised in every SVD cell (comma list or 'all')")
	fs.IntVar(&f.Points, "points", 0, "subsample every loss term to at most N points (0: all)")
	fs.BoolVar(&f.Quiet, "quiet", false, "no per-cell log")
}

// Config builds the study: the problem's defaults as annsvd train runs them (network,
// quasi-Newton method, precision, weights) without hooks (study cells run none), then
// the flags.
func (f *StudyOptions) Config() (*study.Config, error) {
	if f.Out == "" {
		return nil, fmt.Errorf("-out is required (the study appends its cells to DIR/%s)", study.JSONLName)
	}
	entry, err := problems.Get(f.Problem)
	if err != nil {
		return nil, err
	}
	p, net, train, err := entry.Configure("", 1)
	if err != nil {
		return nil, err
	}
	train.Hooks = nil
	c := &study.Config{Problem: p, Relative: f.Relative, Seeds: f.Seeds, Tol: f.Tol, Out: f.Out, Points: f.Points,
		NoBias: entry.Defaults.SVDNoBias, Net: net, Train: train}
	if f.Widths != "" {
		if c.Net.Widths, err = problems.ParseInts("widths", f.Widths); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(f.Modes) == "" {
		return nil, fmt.Errorf("-modes is empty: give at least one of thin, compact, truncated")
	}
	for _, m := range strings.Split(f.Modes, ",") {
		mode, err := annsvd.ParseMode(m)
		if err != nil {
			return nil, fmt.Errorf("-modes %q: %w", f.Modes, err)
		}
		c.Modes = append(c.Modes, mode)
	}
	if err := f.lists(c); err != nil {
		return nil, err
	}
	if f.Quick {
		c.Train.AdamSteps, c.Train.LBFGSIters = 20, 0
		c.Ranks, c.Thresholds = c.Ranks[:min(2, len(c.Ranks))], c.Thresholds[:min(2, len(c.Thresholds))]
		c.Seeds = min(c.Seeds, 2)
		if c.Points == 0 {
			c.Points = 500
		}
	}
	if f.Adam >= 0 {
		c.Train.AdamSteps = f.Adam
	}
	if f.LBFGS >= 0 {
		c.Train.LBFGSIters = f.LBFGS
	}
	return c, c.Validate()
}

// lists parses the ranks, thresholds and SVD layers.
func (f *StudyOptions) lists(c *study.Config) (err error) {
	if f.Ranks != "" {
		if c.Ranks, err = problems.ParseInts("ranks", f.Ranks); err != nil {
			return err
		}
	}
	if f.Thresholds != "" {
		if c.Thresholds, err = problems.ParseFloats("thresholds", f.Thresholds); err != nil {
			return err
		}
	}
	if f.Layers == "all" {
		for i := 1; i < len(c.Net.Widths); i++ {
			c.Layers = append(c.Layers, i)
		}
		return nil
	}
	c.Layers, err = problems.ParseInts("svd-layers", f.Layers)
	return err
}

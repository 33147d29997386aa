package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/problems"
)

// parseFloats parses a comma list of numbers for flag -name.
func parseFloats(name, s string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, usageError{fmt.Errorf("-%s %q: %q is not a number", name, s, p)}
		}
		out = append(out, v)
	}
	return out, nil
}

func runStudy(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "transfer" {
		return runTransfer(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("annsvd study", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	problem := fs.String("problem", "poisson-paper", "problem name: "+strings.Join(problems.Names(), ", "))
	modes := fs.String("modes", "thin,compact,truncated", "comma list of modes studied against dense: thin, compact, truncated")
	ranks := fs.String("ranks", "2,4,8,16,32", "ranks k of compact cells")
	thresholds := fs.String("thresholds", "0.1,0.3,0.5", "thresholds τ of truncated cells (absolute, or ×σ₁ with -relative)")
	relative := fs.Bool("relative", false, "thresholds relative to σ₁")
	seeds := fs.Int("seeds", 5, "seeds per cell (1..N)")
	out := fs.String("out", "", "output directory: study.jsonl (resumable), study.md, study.csv (required)")
	quick := fs.Bool("quick", false, "smoke run: 20 Adam steps, no L-BFGS, first 2 ranks and thresholds, ≤ 2 seeds, ≤ 500 points per term")
	tol := fs.Float64("tol", 1.5, "report the smallest rank whose mean error ≤ tol × dense mean error")
	adam := fs.Int("adam", -1, "Adam steps (default: the problem's)")
	lbfgs := fs.Int("lbfgs", -1, "L-BFGS iterations (default: the problem's)")
	widths := fs.String("widths", "", "hidden widths (default: the problem's)")
	layers := fs.String("svd-layers", "1", "hidden-to-hidden maps factorised in every SVD cell (comma list or 'all')")
	points := fs.Int("points", 0, "subsample every loss term to at most N points (0: all)")
	quiet := fs.Bool("quiet", false, "no per-cell log")
	if err := parseFlags(fs, args, "usage: annsvd study [transfer] [flags]", stderr); err != nil {
		return err
	}
	if *out == "" {
		return usageError{fmt.Errorf("-out is required (the study appends its cells to DIR/%s)", study.JSONLName)}
	}
	entry, err := problems.Get(*problem)
	if err != nil {
		return usageError{err}
	}
	// The problem's defaults as annsvd train runs them (network, quasi-Newton method,
	// precision, weights); study cells run without hooks, so a schedule or RAD of the
	// defaults is not applied.
	p, net, train, err := entry.Configure("", 1)
	if err != nil {
		return err
	}
	train.Hooks = nil
	c := &study.Config{Problem: p, Relative: *relative, Seeds: *seeds, Tol: *tol, Out: *out, Points: *points,
		NoBias: entry.Defaults.SVDNoBias, Net: net, Train: train}
	if *widths != "" {
		if c.Net.Widths, err = parseInts("widths", *widths); err != nil {
			return err
		}
	}
	if strings.TrimSpace(*modes) == "" {
		return usageError{fmt.Errorf("-modes is empty: give at least one of thin, compact, truncated")}
	}
	for _, m := range strings.Split(*modes, ",") {
		mode, err := annsvd.ParseMode(m)
		if err != nil {
			return usageError{fmt.Errorf("-modes %q: %w", *modes, err)}
		}
		c.Modes = append(c.Modes, mode)
	}
	if *ranks != "" {
		if c.Ranks, err = parseInts("ranks", *ranks); err != nil {
			return err
		}
	}
	if *thresholds != "" {
		if c.Thresholds, err = parseFloats("thresholds", *thresholds); err != nil {
			return err
		}
	}
	if *layers == "all" {
		for i := 1; i < len(c.Net.Widths); i++ {
			c.Layers = append(c.Layers, i)
		}
	} else if c.Layers, err = parseInts("svd-layers", *layers); err != nil {
		return err
	}
	if *quick {
		c.Train.AdamSteps, c.Train.LBFGSIters = 20, 0
		c.Ranks, c.Thresholds = c.Ranks[:min(2, len(c.Ranks))], c.Thresholds[:min(2, len(c.Thresholds))]
		c.Seeds = min(c.Seeds, 2)
		if c.Points == 0 {
			c.Points = 500
		}
	}
	if *adam >= 0 {
		c.Train.AdamSteps = *adam
	}
	if *lbfgs >= 0 {
		c.Train.LBFGSIters = *lbfgs
	}
	if err := c.Validate(); err != nil {
		return usageError{err}
	}
	if c.Backend, err = openBackend(stdout); err != nil {
		return err
	}
	if !*quiet {
		c.Log = stderr
	}
	fmt.Fprintf(stdout, "study %s: %d cells (%s)\n", p.Name, len(c.Cells()), c.Fingerprint())
	res, err := study.Run(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ran %d cells, reused %d from %s\n", res.Ran, res.Reused, study.JSONLName)
	res.Summary.PrintTables(stdout)
	fmt.Fprintf(stdout, "wrote %s/study.md, study.csv, %s\n", *out, study.JSONLName)
	return nil
}

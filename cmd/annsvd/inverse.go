package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/problems/experiments"
)

func runInverse(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd inverse", flag.ContinueOnError)
	d := problems.BurgersInverseDefaults
	var c experiments.InverseConfig
	c.Register(fs)
	modes := fs.String("modes", "dense,compact:8", "comma list of modes (as in compare): dense, thin, compact:K, truncated:T")
	out := fs.String("out", "", "directory for inverse.json")
	widths := fs.String("widths", problems.JoinInts(d.Widths), "hidden widths, comma separated (SVD modes factorise every hidden-to-hidden map)")
	if err := parseFlags(fs, args, "usage: annsvd inverse [flags]   (Burgers with unknown ν from noisy observations)", stderr); err != nil {
		return err
	}
	var err error
	if c.Widths, err = problems.ParseInts("widths", *widths); err != nil {
		return usageError{err}
	}
	if c.Specs, err = problems.ParseModeList("modes", *modes); err != nil {
		return usageError{err}
	}
	plan, err := experiments.PlanInverse(c)
	if err != nil {
		return usageError{err}
	}
	if err := checkDir("out", *out); err != nil {
		return err
	}
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	rows, err := plan.Run(b, func(r experiments.InverseRow) {
		fmt.Fprintf(stderr, "inverse %s: ν = %.5g (rel err %.2f%%), u rel L2 %.3e, %.1f s\n", r.Mode, r.Nu, 100*r.NuRelErr, r.URelL2, r.TrainS)
	})
	if err != nil {
		return err
	}
	plan.Print(stdout, rows)
	return writeOutJSON(stdout, *out, "inverse.json", rows)
}

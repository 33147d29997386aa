package main

import (
	"flag"
	"io"

	"github.com/annsvd/annsvd/problems/experiments"
)

func runAdapt(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd adapt", flag.ContinueOnError)
	var c experiments.AdaptConfig
	c.Register(fs)
	out := fs.String("out", "", "directory for adapt.json")
	if err := parseFlags(fs, args, "usage: annsvd adapt -experiment rank|ortho [flags]", stderr); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return usageError{err}
	}
	if err := checkDir("out", *out); err != nil {
		return err
	}
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	rows, err := experiments.Adapt(b, c)
	if err != nil {
		return err
	}
	experiments.PrintAdapt(stdout, rows, c.Experiment)
	return writeOutJSON(stdout, *out, "adapt.json", rows)
}

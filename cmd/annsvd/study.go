package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/problems/experiments"
)

func runStudy(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "transfer" {
		return runTransfer(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("annsvd study", flag.ContinueOnError)
	var f experiments.StudyOptions
	f.Register(fs)
	if err := parseFlags(fs, args, "usage: annsvd study [transfer] [flags]", stderr); err != nil {
		return err
	}
	c, err := f.Config()
	if err != nil {
		return usageError{err}
	}
	if c.Backend, err = openBackend(stdout); err != nil {
		return err
	}
	if !f.Quiet {
		c.Log = stderr
	}
	fmt.Fprintf(stdout, "study %s: %d cells (%s)\n", c.Problem.Name, len(c.Cells()), c.Fingerprint())
	res, err := study.Run(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ran %d cells, reused %d from %s\n", res.Ran, res.Reused, study.JSONLName)
	res.Summary.PrintTables(stdout)
	fmt.Fprintf(stdout, "wrote %s/study.md, study.csv, %s\n", f.Out, study.JSONLName)
	return nil
}

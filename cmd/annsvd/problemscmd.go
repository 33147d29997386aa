package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/annsvd/annsvd/problems"
)

func runProblems(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd problems", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, name := range problems.Names() {
		e, _ := problems.Get(name)
		d := e.Defaults
		fmt.Fprintf(stdout, "%s\n  %s\n  %s\n  defaults: widths %v, %s, Adam %d steps (lr %g), L-BFGS %d iterations\n\n",
			e.Name, e.Equation, e.About, d.Widths, d.Activation, d.AdamSteps, d.LR, d.LBFGSIters)
	}
	return nil
}

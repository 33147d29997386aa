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
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: annsvd problems [NAME...]   (all problems when no name is given)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := fs.Args()
	if len(names) == 0 {
		names = problems.Names()
	}
	var entries []problems.Entry
	for _, name := range names { // check every name before printing anything
		e, err := problems.Get(name)
		if err != nil {
			return usageError{err}
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		e.Describe(stdout)
	}
	return nil
}

package main

import (
	"flag"
	"io"

	"github.com/annsvd/annsvd/bench"
)

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd bench", flag.ContinueOnError)
	var c bench.Command
	c.Register(fs)
	if err := parseFlags(fs, args, "usage: annsvd bench [flags]   (times the Adam step; median/p10/p90 ms, CPU ms, peak RSS, compile time)", stderr); err != nil {
		return err
	}
	if err := c.Validate(isSet(fs, "workers")); err != nil {
		return usageError{err}
	}
	b, err := openBackend(nil)
	if err != nil {
		return err
	}
	return c.Run(b, stdout, stderr)
}

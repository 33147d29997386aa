// Command annsvd trains and studies physics-informed neural networks with SVD-factorised
// hidden layers (W = U·diag(s)·Vᵀ) on the GoMLX engine: "annsvd help" lists the
// commands, "annsvd COMMAND -h" their flags. The backend comes from $GOMLX_BACKEND;
// unset, it is xla:cpu when `annsvd xla install` has installed the CPU plugin and the
// pure-Go backend otherwise (see annsvd/engine).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/backends"
)

// command is one sub-command of the CLI.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands []command

func init() {
	commands = []command{
		{"train", "train one PINN and write DIR/result.json", runTrain},
		{"compare", "train the same problem with several modes and print a table", runCompare},
		{"predict", "evaluate a trained run (train -out DIR) and its derivatives at new points", runPredict},
		{"problems", "list the PDE catalogue with equations and defaults", runProblems},
		{"bench", "time the Adam step of benchmark presets (JSON out)", runBench},
		{"figures", "run the experiments behind the figures; write SVG+PDF+PNG and index.md to -out DIR", runFigures},
		{"adapt", "adaptive rank (vs dense and fixed rank) and orthogonality control experiments", runAdapt},
		{"inverse", "Burgers with unknown viscosity ν learned from noisy observations (dense vs SVD)", runInverse},
		{"backends", "list the engines available here (pure Go, xla:cpu, xla:cuda) and which one runs", runBackends},
		{"xla", "xla install [cpu|cuda]: install a PJRT plugin wheel for the XLA engine (one time)", runXLA},
		{"curves", "plot the error against wall time of finished runs (their result.json files)", runCurves},
		{"study", "rank study: modes × ranks × seeds vs dense, resumable (study transfer: frozen-basis transfer)", runStudy},
	}
}

// usageError marks errors caused by bad flags (exit status 2).
type usageError struct{ error }

func main() {
	engine.TuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			if err == nil || errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(stderr, "annsvd %s: %s\n", c.name, firstLine(err.Error()))
			if errors.As(err, new(interruptedError)) {
				return 130
			} else if errors.As(err, new(usageError)) {
				return 2
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "annsvd %q: unknown command (commands: %s)\n", args[0], commandNames())
	return 2
}

func commandNames() string {
	var n []string
	for _, c := range commands {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: annsvd COMMAND [flags]   (annsvd COMMAND -h for flags)")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	auto, _ := engine.Auto()
	fmt.Fprintln(w, "backend: $GOMLX_BACKEND, else automatic: xla:cpu once `annsvd xla install` has run, "+engine.DefaultConfig+" (pure Go) otherwise; now "+auto)
}

// openBackend creates the backend in force and, when w is not nil, says on w which one
// runs (engine, plugin path, PJRT version): every command that trains states its engine.
func openBackend(w io.Writer) (backends.Backend, error) {
	b, err := engine.New()
	if err != nil {
		return nil, err
	}
	if w != nil {
		fmt.Fprintf(w, "backend: %s\n", engine.Describe(b))
	}
	return b, nil
}

// firstLine is s up to its first newline.
func firstLine(s string) string { line, _, _ := strings.Cut(s, "\n"); return line }

// parseFlags parses a command's flags. With -h it prints usage and the flag defaults to
// stderr and returns flag.ErrHelp (exit status 0); a bad flag or a stray argument is a
// usageError (exit status 2).
func parseFlags(fs *flag.FlagSet, args []string, usage string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintln(stderr, usage)
			fs.PrintDefaults()
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

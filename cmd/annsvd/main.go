// Command annsvd trains and studies physics-informed neural networks with SVD-factorised
// hidden layers (W = U·diag(s)·Vᵀ) on the GoMLX engine.
//
//	annsvd train    -problem burgers -mode compact -rank 8 -adam 2000 -lbfgs 500 -out DIR
//	annsvd compare  -problem poisson-paper           # dense vs thin, top-k and threshold
//	annsvd problems                                  # the PDE catalogue
//	annsvd figures  -out DIR [-quick]                # figures (SVG, PDF, PNG) + DIR/index.md
//	annsvd study    -problem poisson-paper -out DIR [-quick]   # resumable rank study
//	annsvd study transfer                            # frozen-U,V transfer across a source parameter
//	annsvd adapt    -experiment rank|ortho           # adaptive rank, orthogonality control
//	annsvd inverse  -obs 2000 -noise 0.01            # Burgers: learn ν from noisy data
//	annsvd xla install [cpu|cuda]                    # PJRT plugin wheel into a project-local venv
//	annsvd backends                                  # which engines run here
//	annsvd curves   -out FIG a/result.json b/result.json   # error vs wall time of runs
//
// The backend comes from $GOMLX_BACKEND; unset, it is xla:cpu when `annsvd xla install`
// has installed the CPU plugin and the pure-Go backend otherwise (see annsvd/engine). Run "annsvd COMMAND -h" for each command's flags.
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
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			}
			fmt.Fprintf(stderr, "annsvd %s: %s\n", c.name, firstLine(err.Error()))
			var ie interruptedError
			if errors.As(err, &ie) {
				return 130
			}
			var ue usageError
			if errors.As(err, &ue) {
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

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

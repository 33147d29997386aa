package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/annsvd/annsvd/annsvd/engine"
)

// runXLA is `annsvd xla install [cpu|cuda] [-force]`: the one-time plugin install.
func runXLA(args []string, stdout, stderr io.Writer) error {
	const usage = "usage: annsvd xla install [cpu|cuda] [-force] [-wheel NAME]   (installs a PJRT plugin wheel into a project-local venv; see annsvd backends)"
	if len(args) == 0 {
		return usageError{fmt.Errorf("missing sub-command: %s", usage)}
	}
	switch args[0] {
	case "install":
	case "smoke":
		// Internal: the installer's child process smoke-testing one library.
		if len(args) != 2 {
			return usageError{fmt.Errorf("usage: annsvd xla smoke /abs/path/plugin.so")}
		}
		return engine.SmokeTest(args[1])
	case "-h", "-help", "help":
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	default:
		return usageError{fmt.Errorf("unknown sub-command %q (allowed: install)", args[0])}
	}
	fs := flag.NewFlagSet("annsvd xla install", flag.ContinueOnError)
	force := fs.Bool("force", false, "reinstall even if a plugin is installed")
	wheel := fs.String("wheel", "", "install this candidate wheel only (package name; default: the first that works)")
	platform := "cpu"
	rest := args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		platform, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest, usage, stderr); err != nil {
		return err
	}
	if platform != "cpu" && platform != "cuda" {
		return usageError{fmt.Errorf("platform %q not allowed: cpu or cuda", platform)}
	}
	if !engine.XLAAvailable {
		return fmt.Errorf("this annsvd binary was built without XLA support (needs cgo and a C compiler: CGO_ENABLED=1)")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := engine.Install(platform, engine.InstallOptions{
		Force: *force,
		Wheel: *wheel,
		Log:   stdout,
		Smoke: func(lib string) error { return smokeInChild(self, lib) },
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "xla:%s now runs on %s %s (PJRT %s); with %s unset, annsvd uses it automatically\n",
		platform, in.Package, in.Version, in.PJRT, engine.EnvVar)
	return nil
}

// runBackends is `annsvd backends`: what can run here, what would be chosen, and why
// the rest cannot.
func runBackends(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd backends", flag.ContinueOnError)
	load := fs.Bool("load", true, "load each available plugin to report its PJRT version")
	if err := parseFlags(fs, args, "usage: annsvd backends   (lists the engines available here)", stderr); err != nil {
		return err
	}
	return engine.Report(stdout, *load)
}

// smokeInChild smoke-tests the plugin library lib in a child process (annsvd xla smoke
// LIB), so that a plugin that crashes takes only the child down.
func smokeInChild(self, lib string) error {
	var out bytes.Buffer
	cmd := exec.Command(self, "xla", "smoke", lib)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("%v: %s", err, strings.TrimPrefix(msg, "annsvd xla: "))
	}
	return nil
}

package engine

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// wheels holds the pinned requirements files (package, exact version, sha256) of the
// plugin wheels `annsvd xla install` may install; they travel inside the binary.
//
//go:embed wheels/*.txt
var wheels embed.FS

// Candidate is one Python wheel that ships a PJRT plugin library.
type Candidate struct {
	// Platform is "cpu" or "cuda".
	Platform string
	// Package and Version are the wheel's name and pinned version.
	Package, Version string
	// Requirements is the pinned requirements file (under wheels/) installed with
	// pip --require-hashes.
	Requirements string
	// Library is the plugin's path relative to the environment's site-packages.
	Library string
	// Note says why the candidate has its place in the order.
	Note string
}

// Candidates lists the plugin wheels tried by Install, in order: the first that
// installs, loads in go-xla and passes the smoke test is kept.
var Candidates = []Candidate{
	{Platform: "cpu", Package: "lammps-jax-pjrt-cpu", Version: "0.11.2",
		Requirements: "wheels/cpu-lammps-jax-pjrt-cpu.txt", Library: "lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so",
		Note: "XLA of jaxlib 0.11.2, PJRT C API 0.115 (newer than go-xla's 0.83: the direction the C API is versioned for)"},
	{Platform: "cpu", Package: "fastatomstruct-xla-cpu", Version: "2026.6.23",
		Requirements: "wheels/cpu-fastatomstruct-xla-cpu.txt", Library: "fastatomstruct_xla_cpu/libpjrt_cpu.so",
		Note: "PJRT C API 0.106"},
	{Platform: "cpu", Package: "xla-cpu-pjrt", Version: "0.0.1",
		Requirements: "wheels/cpu-xla-cpu-pjrt.txt", Library: "xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so",
		Note: "the XLA team's wheel, but PJRT C API 0.81: older than go-xla's 0.83, so calls added in 0.82–0.83 may be missing"},
	{Platform: "cuda", Package: "jax-cuda13-pjrt", Version: "0.10.2",
		Requirements: "wheels/cuda-jax-cuda13-pjrt.txt", Library: "jax_plugins/xla_cuda13/xla_cuda_plugin.so",
		Note: "JAX's CUDA 13 plugin (needs a CUDA 13 driver)"},
	{Platform: "cuda", Package: "jax-cuda12-pjrt", Version: "0.10.2",
		Requirements: "wheels/cuda-jax-cuda12-pjrt.txt", Library: "jax_plugins/xla_cuda12/xla_cuda_plugin.so",
		Note: "JAX's CUDA 12 plugin"},
}

// InstallOptions configures Install.
type InstallOptions struct {
	// Python is the interpreter that creates the virtual environment ($ANNSVD_PYTHON,
	// then /usr/bin/python3, then python3 on $PATH when empty).
	Python string
	// Force reinstalls even when a plugin is already installed.
	Force bool
	// Wheel, when set, restricts the candidates to the one with this package name
	// (e.g. "fastatomstruct-xla-cpu", whose float64 step is faster but whose float32
	// gradients are less accurate; see the README). A different installed wheel is
	// replaced.
	Wheel string
	// Smoke checks that a plugin library works (loads, compiles and runs a small
	// graph in float32 and float64 with the same results as pure Go). The CLI runs it
	// in a child process so that a crashing library cannot take the installer down;
	// nil means SmokeTest in this process.
	Smoke func(library string) error
	// Log receives progress lines (nil: discarded). pip's own output goes to
	// XLAHome()/install.log.
	Log io.Writer
}

// Install installs the PJRT plugin for a platform ("cpu" or "cuda") into XLAHome(): a
// Python virtual environment XLAHome()/venv, the first wheel of Candidates that pip
// installs with --require-hashes and that passes the smoke test, and the link
// XLAHome()/plugins/PluginFile(platform) with a JSON record beside it, written last.
//
// It downloads only through pip (from the package index pip is configured for), never
// at run time. A second call is a no-op. An interrupted call leaves no link and no
// record, so nothing half-installed is ever picked up; a candidate whose smoke test
// crashed the process is skipped next time.
func Install(platform string, o InstallOptions) (Installed, error) {
	var cands, all []Candidate
	for _, c := range Candidates {
		if c.Platform == platform {
			all = append(all, c)
			if o.Wheel == "" || o.Wheel == c.Package {
				cands = append(cands, c)
			}
		}
	}
	if len(all) == 0 {
		return Installed{}, fmt.Errorf("engine: xla install: platform %q unknown (allowed: cpu, cuda)", platform)
	}
	if len(cands) == 0 {
		var names []string
		for _, c := range all {
			names = append(names, c.Package)
		}
		return Installed{}, fmt.Errorf("engine: xla install %s: wheel %q unknown (allowed: %s)", platform, o.Wheel, strings.Join(names, ", "))
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	if !o.Force {
		if in, err := InstalledPlugin(platform); err == nil && (o.Wheel == "" || o.Wheel == in.Package) {
			logf("already installed: %s %s at %s (PJRT %s); nothing to do", in.Package, in.Version, in.Link, in.PJRT)
			return in, nil
		}
	}
	if platform == "cuda" {
		if err := haveNVIDIAGPU(); err != nil {
			return Installed{}, fmt.Errorf("engine: xla install cuda: %v", err)
		}
	}
	home := XLAHome()
	if home == "" {
		return Installed{}, fmt.Errorf("engine: xla install: no directory to install into (set %s)", HomeEnvVar)
	}
	if err := os.MkdirAll(filepath.Join(home, "plugins"), 0o755); err != nil {
		return Installed{}, fmt.Errorf("engine: xla install: %v", err)
	}
	logPath := filepath.Join(home, "install.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return Installed{}, fmt.Errorf("engine: xla install: %v", err)
	}
	defer logFile.Close()
	venvPython, err := ensureVenv(home, o.Python, logFile, logf)
	if err != nil {
		return Installed{}, err
	}
	smoke := o.Smoke
	if smoke == nil {
		smoke = SmokeTest
	}
	var rejected []string
	for _, c := range cands {
		in, err := tryCandidate(home, venvPython, c, smoke, logFile, logf)
		if err != nil {
			reason := fmt.Sprintf("%s %s: %s", c.Package, c.Version, oneLine(err))
			logf("rejected %s", reason)
			rejected = append(rejected, reason)
			continue
		}
		in.Rejected = rejected
		if in, err = writeRecord(home, in); err != nil {
			return Installed{}, err
		}
		logf("installed %s %s: %s → %s (PJRT %s)", in.Package, in.Version, in.Link, in.Library, in.PJRT)
		return in, nil
	}
	return Installed{}, fmt.Errorf("engine: xla install %s: no candidate wheel works (%s); pip's output is in %s",
		platform, strings.Join(rejected, "; "), logPath)
}

// ensureVenv creates (or repairs) home/venv and returns its interpreter.
func ensureVenv(home, python string, log io.Writer, logf func(string, ...any)) (string, error) {
	venv := filepath.Join(home, "venv")
	py := filepath.Join(venv, "bin", "python")
	if err := exec.Command(py, "-m", "pip", "--version").Run(); err == nil {
		return py, nil
	}
	if python == "" {
		python = findPython()
	}
	if python == "" {
		return "", errors.New("engine: xla install: no python3 found (set ANNSVD_PYTHON)")
	}
	logf("creating the virtual environment %s with %s", venv, python)
	if err := os.RemoveAll(venv); err != nil {
		return "", fmt.Errorf("engine: xla install: %v", err)
	}
	if err := run(log, python, "-m", "venv", venv); err != nil {
		return "", fmt.Errorf("engine: xla install: %s -m venv %s: %v (on Debian: apt-get install python3-venv)", python, venv, err)
	}
	return py, nil
}

func findPython() string {
	if p := os.Getenv("ANNSVD_PYTHON"); p != "" {
		return p
	}
	// Debian's interpreter first: a pyenv shim on $PATH may point elsewhere.
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	p, _ := exec.LookPath("python3")
	return p
}

// tryCandidate installs one wheel with pip and smoke-tests its library.
func tryCandidate(home, py string, c Candidate, smoke func(string) error, log io.Writer, logf func(string, ...any)) (Installed, error) {
	in := Installed{Platform: c.Platform, Package: c.Package, Version: c.Version}
	req, err := wheels.ReadFile(c.Requirements)
	if err != nil {
		return in, err
	}
	in.SHA256 = hashOf(req)
	crashMark := filepath.Join(home, "plugins", "."+c.Package+"-"+c.Version+".trying")
	if _, err := os.Stat(crashMark); err == nil {
		return in, errors.New("its smoke test ended the installer on an earlier attempt (delete " + crashMark + " to try again)")
	}
	reqFile := filepath.Join(home, "requirements-"+c.Package+".txt")
	if err := os.WriteFile(reqFile, req, 0o644); err != nil {
		return in, err
	}
	logf("pip install %s==%s (hash-pinned)", c.Package, c.Version)
	if err := run(log, py, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
		"--require-hashes", "--no-deps", "-r", reqFile); err != nil {
		return in, fmt.Errorf("pip install failed: %v", err)
	}
	libs, _ := filepath.Glob(filepath.Join(home, "venv", "lib", "python*", "site-packages", c.Library))
	if len(libs) == 0 {
		return in, fmt.Errorf("installed, but %s is not in the wheel", c.Library)
	}
	in.Library = libs[0]
	if err := os.WriteFile(crashMark, nil, 0o644); err != nil {
		return in, err
	}
	logf("smoke test of %s", in.Library)
	err = smoke(in.Library)
	_ = os.Remove(crashMark)
	if err != nil {
		_ = run(log, py, "-m", "pip", "uninstall", "--yes", "--disable-pip-version-check", c.Package)
		return in, fmt.Errorf("smoke test: %v", err)
	}
	in.PJRT = pluginVersion(in.Library)
	return in, nil
}

// hashOf extracts the sha256 of a one-package requirements file.
func hashOf(req []byte) string {
	_, h, ok := strings.Cut(string(req), "--hash=sha256:")
	if !ok {
		return ""
	}
	return strings.Fields(h)[0]
}

// writeRecord links the plugin and then writes its record, each atomically by rename:
// InstalledPlugin needs both, so an interruption in between installs nothing.
func writeRecord(home string, in Installed) (Installed, error) {
	dir := filepath.Join(home, "plugins")
	in.Link = filepath.Join(dir, PluginFile(in.Platform))
	tmpLink := in.Link + ".tmp"
	_ = os.Remove(tmpLink)
	if err := os.Symlink(in.Library, tmpLink); err != nil {
		return in, fmt.Errorf("engine: xla install: %v", err)
	}
	if err := os.Rename(tmpLink, in.Link); err != nil {
		return in, fmt.Errorf("engine: xla install: %v", err)
	}
	raw, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return in, err
	}
	rec := filepath.Join(dir, in.Platform+".json")
	if err := os.WriteFile(rec+".tmp", append(raw, '\n'), 0o644); err != nil {
		return in, fmt.Errorf("engine: xla install: %v", err)
	}
	if err := os.Rename(rec+".tmp", rec); err != nil {
		return in, fmt.Errorf("engine: xla install: %v", err)
	}
	return in, nil
}

// run runs a command with its output appended to log; the error carries the output's
// last line.
func run(log io.Writer, name string, args ...string) error {
	var tail bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = io.MultiWriter(log, &tail)
	cmd.Stderr = cmd.Stdout
	fmt.Fprintf(log, "$ %s %s\n", name, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(tail.String()), "\n")
		return fmt.Errorf("%v: %s", err, lines[len(lines)-1])
	}
	return nil
}

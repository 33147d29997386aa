// Package engine selects and configures the GoMLX backend shared by the CLI, the tests
// and the notebooks, and registers the faster gradients this project relies on.
//
// The backend comes from $GOMLX_BACKEND; when it is unset the pure-Go backend runs in
// its working configuration DefaultConfig ("go:ops_sequential,dotgeneral_small": the
// plain "go" configuration deadlocks on 2 cores). XLA backends ("xla:cpu", "xla:cuda",
// "xla:/abs/path/plugin.so") need a PJRT plugin on the machine; when none is found New
// returns one clear error naming the backend and how to provide a plugin. Automatic
// plugin download is disabled (it would wait on the network); set
// ANNSVD_XLA_AUTOINSTALL=1 to allow GoMLX to try it.
package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // the pure-Go backend "go"
)

// DefaultConfig is the backend used when $GOMLX_BACKEND is unset: the pure-Go backend
// running one op at a time with the small-matrix DotGeneral kernel.
//
// Why not a parallel configuration (GoMLX v0.26.0, measured here): plain "go" deadlocks
// on 2 cores — during a parallel execution every op holds a slot of a bounded worker pool
// (2×NumCPU slots) while DotGeneral and unary ops wait, inside that slot, for sub-tasks
// that need further slots, until all slots are held by waiting ops. ParallelConfig
// (parallelism=-1: an unbounded pool) avoids the deadlock and runs ops in parallel,
// but `go test -race` reports data races inside the backend's parallel executor (an op
// writing a buffer another op still reads), so it is opt-in only.
const DefaultConfig = "go:ops_sequential,dotgeneral_small"

// ParallelConfig is the pure-Go backend with parallel op execution on an unbounded
// worker pool: no deadlock and ops in parallel, but the race detector finds data
// races in GoMLX v0.26.0's parallel executor, so results are not guaranteed. Opt in with
// GOMLX_BACKEND=go:parallelism=-1,dotgeneral_small.
const ParallelConfig = "go:parallelism=-1,dotgeneral_small"

// EnvVar is the environment variable that selects the backend (GoMLX's own).
const EnvVar = backends.ConfigEnvVar

// Config returns the backend configuration in force: $GOMLX_BACKEND when set, otherwise
// the automatic choice (see Auto).
func Config() string {
	if c := strings.TrimSpace(os.Getenv(EnvVar)); c != "" {
		return c
	}
	c, _ := Auto()
	return c
}

// TestAutoEnvVar, set to 1, lets the automatic choice pick XLA inside `go test` too.
const TestAutoEnvVar = "ANNSVD_TEST_AUTO"

// Auto returns the backend chosen when $GOMLX_BACKEND is unset, and why: "xla:cpu" when
// this binary has XLA support and `annsvd xla install` has installed a CPU plugin in
// XLAHome(), DefaultConfig (pure Go) otherwise.
//
// Inside `go test` binaries the choice stays pure Go unless $ANNSVD_TEST_AUTO is 1: XLA
// compiles every graph (tenths of a second each), which would dominate a suite of many
// small graphs; the tests that compare the engines ask for "xla:cpu" explicitly.
func Auto() (config, why string) {
	if testing.Testing() && os.Getenv(TestAutoEnvVar) != "1" {
		return DefaultConfig, "inside go test (set " + TestAutoEnvVar + "=1 or " + EnvVar + " to test another engine)"
	}
	if !XLAAvailable {
		return DefaultConfig, errNoXLA.Error()
	}
	in, err := InstalledPlugin("cpu")
	if err != nil {
		return DefaultConfig, err.Error()
	}
	return "xla:cpu", "CPU plugin installed: " + in.Package + " " + in.Version + " at " + in.Link
}

// Info describes a backend: what it was asked for, what runs it and, for XLA, which
// PJRT plugin. It is printed by every command and recorded in result.json and bench JSON.
type Info struct {
	// Config is the configuration asked for ("xla:cpu", "go:ops_sequential,…").
	Config string `json:"config"`
	// Engine is "go" (GoMLX's pure-Go backend) or "xla" (XLA through a PJRT plugin).
	Engine string `json:"engine"`
	// Plugin is the absolute path of the PJRT plugin library (XLA only).
	Plugin string `json:"plugin,omitempty"`
	// PJRT is the plugin's PJRT C API version, e.g. "0.115" (XLA only).
	PJRT string `json:"pjrt,omitempty"`
	// Source names the installed wheel the plugin came from, when known.
	Source string `json:"source,omitempty"`
}

// String formats the info on one line, e.g.
// "xla:cpu (plugin /…/pjrt_c_api_cpu_plugin.so, PJRT 0.115, lammps-jax-pjrt-cpu 0.11.2)".
func (i Info) String() string {
	if i.Engine != "xla" {
		return i.Config
	}
	var extra []string
	if i.Plugin != "" {
		extra = append(extra, "plugin "+i.Plugin)
	}
	if i.PJRT != "" {
		extra = append(extra, "PJRT "+i.PJRT)
	}
	if i.Source != "" {
		extra = append(extra, i.Source)
	}
	if len(extra) == 0 {
		return i.Config
	}
	return i.Config + " (" + strings.Join(extra, ", ") + ")"
}

// New returns the backend selected by Config, with the project's VJPs registered.
func New() (backends.Backend, error) { return NewWithConfig(Config()) }

// NewWithConfig returns the backend for a GoMLX configuration string such as
// "go:ops_sequential,dotgeneral_small", "xla:cpu" or "xla:/abs/path/plugin.so".
//
// "xla:cpu" and "xla:cuda" (and "xla", meaning cpu) first look for the plugin installed
// by `annsvd xla install` in XLAHome(), then where GoMLX looks
// ($PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, …). Nothing is ever downloaded, and
// a backend that cannot be created is an error naming the plugin and the reason: there
// is no silent fallback to another backend.
func NewWithConfig(config string) (b backends.Backend, err error) {
	RegisterVJPs()
	info := Info{Config: config, Engine: "go"}
	gomlxConfig := config
	name, opts, _ := strings.Cut(config, ":")
	switch name {
	case "xla", "stablehlo", "hlo", "shlo", "pjrt":
		if gomlxConfig, info, err = resolveXLA(config, opts); err != nil {
			return nil, err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("engine: backend %q: %s", config, oneLine(fmt.Errorf("%v", r)))
		}
	}()
	b, err = newQuiet(gomlxConfig)
	if err != nil {
		return nil, fmt.Errorf("engine: backend %q: %s", config, oneLine(err))
	}
	if info.Engine == "xla" {
		info.PJRT = pluginVersion(info.Plugin)
	}
	infos.Store(b, info)
	return b, nil
}

// newQuiet creates the backend with stdout silenced: GoMLX's pure-Go backend prints a
// line to stdout when its parallelism is configured, which would pollute the CLI's
// tables and notebook outputs.
func newQuiet(config string) (backends.Backend, error) {
	if devnull, err := os.Open(os.DevNull); err == nil {
		saved := os.Stdout
		os.Stdout = devnull
		defer func() { os.Stdout = saved; devnull.Close() }()
	}
	return backends.NewWithConfig(config)
}

// infos remembers the Info of each backend created here.
var infos sync.Map

// InfoOf returns the Info of a backend created by this package (for others, just its
// name).
func InfoOf(b backends.Backend) Info {
	if i, ok := infos.Load(b); ok {
		return i.(Info)
	}
	return Info{Config: b.Name(), Engine: b.Name()}
}

// Describe returns InfoOf(b) on one line: the configuration and, for XLA, the plugin's
// path and PJRT version.
func Describe(b backends.Backend) string { return InfoOf(b).String() }

var (
	defaultOnce    sync.Once
	defaultBackend backends.Backend
	defaultErr     error
)

// Default returns a process-wide backend for Config(), created on first use.
func Default() (backends.Backend, error) {
	defaultOnce.Do(func() { defaultBackend, defaultErr = New() })
	return defaultBackend, defaultErr
}

// MustDefault is Default that panics on error (for tests and notebooks).
func MustDefault() backends.Backend {
	b, err := Default()
	if err != nil {
		panic(err)
	}
	return b
}

// installHint is how a missing plugin is provided.
const installHint = "install one with `annsvd xla install` (nothing is downloaded at run time), " +
	"or point to one with " + EnvVar + "=xla:/abs/path/plugin.so or PJRT_PLUGIN_LIBRARY_PATH=/dir"

// resolveXLA turns an XLA configuration into the one handed to GoMLX: the installed
// plugin's absolute path when there is one, else a plugin GoMLX itself finds.
func resolveXLA(config, opts string) (string, Info, error) {
	info := Info{Config: config, Engine: "xla"}
	plugin, rest, _ := strings.Cut(opts, ",")
	if rest != "" {
		rest = "," + rest
	}
	if !XLAAvailable {
		return "", info, fmt.Errorf("engine: backend %q: %v", config, errNoXLA)
	}
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return "", info, fmt.Errorf("engine: backend %q: plugin file %s not found; %s", config, plugin, installHint)
		}
		info.Plugin = plugin
		return "xla:" + opts, info, nil
	}
	if plugin == "" {
		plugin = "cpu"
	}
	if plugin == "cuda" {
		if err := haveNVIDIAGPU(); err != nil {
			return "", info, fmt.Errorf("engine: backend %q: %v", config, err)
		}
	}
	in, installErr := InstalledPlugin(plugin)
	if installErr == nil {
		info.Plugin, info.Source = in.Link, in.Package+" "+in.Version
		if real, err := filepath.EvalSymlinks(in.Link); err == nil {
			info.Plugin = real
		}
		if plugin == "cpu" && !strings.Contains(rest, "shared_buffers") {
			// GoMLX enables zero-copy host buffers only for a plugin named "cpu"; a
			// plugin given by path needs the option spelled out.
			rest += ",shared_buffers"
		}
		return "xla:" + info.Plugin + rest, info, nil
	}
	found, err := availableXLAPlugins()
	if err != nil {
		return "", info, fmt.Errorf("engine: backend %q: %v", config, err)
	}
	if !slices.Contains(found, plugin) {
		return "", info, fmt.Errorf("engine: backend %q: no PJRT plugin %q (%v; elsewhere found %q); %s",
			config, plugin, installErr, found, installHint)
	}
	info.Plugin = pluginPath(plugin)
	return "xla:" + plugin + rest, info, nil
}

// CheckGPU reports, without loading anything, whether the machine has an NVIDIA GPU
// driver (nil) or why xla:cuda cannot run here.
func CheckGPU() error { return haveNVIDIAGPU() }

func haveNVIDIAGPU() error {
	if _, err := os.Stat("/dev/nvidiactl"); err != nil {
		return errors.New("no NVIDIA GPU on this machine (/dev/nvidiactl absent); use xla:cpu or the pure-Go backend")
	}
	return nil
}

// errNoXLA is returned by availableXLAPlugins in builds without XLA support.
var errNoXLA = errors.New("this binary was built without XLA support (needs cgo; build without the noxla tag)")

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

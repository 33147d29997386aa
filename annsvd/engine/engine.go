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
// (parallelism=-1: an unbounded pool) avoids the deadlock and is 2–3× faster on 2 cores,
// but `go test -race` reports data races inside the backend's parallel executor (an op
// writing a buffer another op still reads), so it is opt-in only.
const DefaultConfig = "go:ops_sequential,dotgeneral_small"

// ParallelConfig is the pure-Go backend with parallel op execution on an unbounded
// worker pool: no deadlock and 2–3× faster on 2 cores, but the race detector finds data
// races in GoMLX v0.26.0's parallel executor, so results are not guaranteed. Opt in with
// GOMLX_BACKEND=go:parallelism=-1,dotgeneral_small.
const ParallelConfig = "go:parallelism=-1,dotgeneral_small"

// EnvVar is the environment variable that selects the backend (GoMLX's own).
const EnvVar = backends.ConfigEnvVar

// Config returns the backend configuration in force: $GOMLX_BACKEND or DefaultConfig.
func Config() string {
	if c := strings.TrimSpace(os.Getenv(EnvVar)); c != "" {
		return c
	}
	return DefaultConfig
}

// New returns the backend selected by Config, with the project's VJPs registered.
func New() (backends.Backend, error) { return NewWithConfig(Config()) }

// NewWithConfig returns the backend for a GoMLX configuration string such as
// "go:ops_sequential,dotgeneral_small", "xla:cpu" or "xla:/abs/path/plugin.so".
func NewWithConfig(config string) (b backends.Backend, err error) {
	RegisterVJPs()
	name, opts, _ := strings.Cut(config, ":")
	switch name {
	case "xla", "stablehlo", "hlo", "shlo":
		if err := checkXLA(config, opts); err != nil {
			return nil, err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("engine: backend %q: %v", config, r)
		}
	}()
	b, err = newQuiet(config)
	if err != nil {
		return nil, fmt.Errorf("engine: backend %q: %s", config, oneLine(err))
	}
	configs.Store(b, config)
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

// configs remembers the configuration string of each backend created here.
var configs sync.Map

// Describe returns the configuration a backend was created with (e.g.
// "go:ops_sequential,dotgeneral_small"), or its short name if it was not created by
// this package.
func Describe(b backends.Backend) string {
	if c, ok := configs.Load(b); ok {
		return c.(string)
	}
	return b.String()
}

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

// pluginHelp explains how to make an XLA plugin available.
const pluginHelp = "install a PJRT plugin and point to it with PJRT_PLUGIN_LIBRARY_PATH=/dir/with/plugins " +
	"or GOMLX_BACKEND=xla:/abs/path/pjrt_c_api_<name>_plugin.so (GOMLX_NO_AUTO_INSTALL=1 keeps GoMLX from downloading); " +
	"or use the pure-Go backend: GOMLX_BACKEND=" + DefaultConfig

func checkXLA(config, opts string) error {
	plugin, _, _ := strings.Cut(opts, ",")
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return fmt.Errorf("engine: backend %q: plugin file %s not found; %s", config, plugin, pluginHelp)
		}
		return nil
	}
	plugins, err := availableXLAPlugins()
	if err != nil {
		return fmt.Errorf("engine: backend %q: %v; %s", config, err, pluginHelp)
	}
	if (plugin == "" && len(plugins) == 0) || (plugin != "" && !slices.Contains(plugins, plugin)) {
		want := plugin
		if want == "" {
			want = "any"
		}
		return fmt.Errorf("engine: backend %q: no PJRT plugin %q found (found %q; nothing is downloaded); %s",
			config, want, plugins, pluginHelp)
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

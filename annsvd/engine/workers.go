package engine

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
)

// WorkersEnvVar sets the number of data-parallel workers of training runs on the
// pure-Go engine (see Workers).
const WorkersEnvVar = "ANNSVD_WORKERS"

// MaxWorkers bounds the number of data-parallel workers.
const MaxWorkers = 256

// CheckWorkers reports whether k is an allowed explicit worker count, naming the value
// and the range.
func CheckWorkers(k int) error {
	if k < 1 || k > MaxWorkers {
		return fmt.Errorf("workers %d out of range [1, %d]", k, MaxWorkers)
	}
	return nil
}

// Parallel reports whether b can be given data-parallel workers: the pure-Go engine,
// whose executor runs one op at a time on one core, so that K executions on K separate
// backends use K cores. XLA already spreads each op over every core.
func Parallel(b backends.Backend) bool {
	return InfoOf(b).Engine == "go" || b.Name() == pureGoName
}

// pureGoName is the name GoMLX's pure-Go backend reports.
const pureGoName = "SimpleGo (go)"

// Workers returns the number of data-parallel workers a training run on b uses when its
// configuration leaves the count open: on the pure-Go engine $ANNSVD_WORKERS when set
// (an integer in [1, MaxWorkers], else an error naming it), otherwise the number of
// CPUs; on XLA 1.
func Workers(b backends.Backend) (int, error) {
	if !Parallel(b) {
		return 1, nil
	}
	if s := strings.TrimSpace(os.Getenv(WorkersEnvVar)); s != "" {
		k, err := strconv.Atoi(s)
		if err != nil || CheckWorkers(k) != nil {
			return 0, fmt.Errorf("engine: $%s=%q out of range: need an integer in [1, %d]", WorkersEnvVar, s, MaxWorkers)
		}
		return k, nil
	}
	return min(runtime.NumCPU(), MaxWorkers), nil
}

// Replica returns a new backend with b's configuration, for one data-parallel worker:
// each worker executes on its own backend, so no executor state is shared between
// concurrent executions. Only the pure-Go engine has replicas.
func Replica(b backends.Backend) (backends.Backend, error) {
	if !Parallel(b) {
		return nil, fmt.Errorf("engine: data-parallel workers need the pure-Go engine, not %s (XLA uses every core itself)", Describe(b))
	}
	config := InfoOf(b).Config
	if _, known := infos.Load(b); !known || !strings.HasPrefix(config, "go") {
		config = DefaultConfig
	}
	return NewWithConfig(config)
}

// GCPercent is the garbage collector's target (GOGC) that TuneGC sets: the pure-Go
// engine allocates a fresh tensor per op, and at Go's default of 100 the collector takes
// a large share of every step, more so with several workers allocating at once (the
// README's Performance section has the measurements).
const GCPercent = 400

// TuneGC sets the garbage collector's target to GCPercent unless $GOGC is set, and
// returns the target in force. Programs call it once at start (the CLI does; the GoNB
// kernel sets GOGC in its environment).
func TuneGC() int {
	if s := strings.TrimSpace(os.Getenv("GOGC")); s != "" {
		if v, err := strconv.Atoi(s); err == nil {
			return v
		}
		return -1 // "off" or another value the runtime interprets
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}

// GCPercentInForce returns the garbage collector's current target (GOGC; negative: off).
func GCPercentInForce() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

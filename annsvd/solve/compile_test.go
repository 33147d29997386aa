package solve

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/stretchr/testify/require"
)

// countingBackend counts the graphs built (each is compiled once) on a backend.
type countingBackend struct {
	backends.Backend
	builds *atomic.Int64
}

func (c *countingBackend) Builder(name string) backends.Builder {
	c.builds.Add(1)
	return c.Backend.Builder(name)
}

// TestLBFGSRoundsCompileOnce: across L-BFGS iterations, line-search trials, RAD
// resamplings and rounds, the loss-and-gradient evaluation is compiled once — in
// float64 directly and for a float32 run through its float64 copy — on pure Go (with
// one and with two data-parallel workers, whose graphs are counted too) and, where its
// plugin is installed (always under CI), on xla:cpu.
func TestLBFGSRoundsCompileOnce(t *testing.T) {
	configs := []string{engine.DefaultConfig}
	if _, err := engine.InstalledPlugin("cpu"); err == nil || os.Getenv("CI") == "true" {
		configs = append(configs, "xla:cpu")
	}
	var builds atomic.Int64
	saved := newReplica
	defer func() { newReplica = saved }()
	newReplica = func(b backends.Backend) (backends.Backend, error) {
		inner, err := engine.Replica(b)
		return &countingBackend{Backend: inner, builds: &builds}, err
	}
	for _, cfgName := range configs {
		for _, dt := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
			workers := []int{1}
			if cfgName == engine.DefaultConfig {
				workers = append(workers, 2)
			}
			for _, k := range workers {
				t.Run(fmt.Sprintf("%s/%s/workers=%d", cfgName, dt, k), func(t *testing.T) {
					inner, err := engine.NewWithConfig(cfgName)
					require.NoError(t, err)
					builds.Store(0)
					b := &countingBackend{Backend: inner, builds: &builds}
					h, err := NewRAD(RADConfig{Period: 1000, LBFGSEvery: 6})
					require.NoError(t, err)
					var atRound2 int64 = -1
					rounds := 0
					_, _, err = Train(b, radProblem(), annsvd.Config{Widths: []int{8, 8}},
						Config{Seed: 2, DType: dt, Workers: k, AdamSteps: 2, LBFGSIters: 24, Hooks: []Hook{h}, Progress: func(p Progress) {
							if p.Phase == "lbfgs" && p.Round == 2 && atRound2 < 0 {
								atRound2 = b.builds.Load()
							}
							rounds = max(rounds, p.Round)
						}})
					require.NoError(t, err)
					require.Equal(t, 4, rounds)
					require.Len(t, h.Events, 3)
					require.Positive(t, atRound2)
					// Rounds 2–4 with two resamplings and their error estimates: nothing new
					// to build after round 1 (whose graphs include the residual and
					// prediction graphs of the first resampling).
					require.Equal(t, atRound2, b.builds.Load(), "graphs built after round 1")
				})
			}
		}
	}
}

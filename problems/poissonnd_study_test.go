package problems_test

import (
	"os"
	"testing"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/stretchr/testify/require"
)

// TestPoissonNDCostStudy times Adam steps of poisson-nd with widths [64, 64] and the
// default 1000 + 200 points for d = 5…100. It is a study, run with ANNSVD_STUDY=1.
func TestPoissonNDCostStudy(t *testing.T) {
	if os.Getenv("ANNSVD_STUDY") == "" {
		t.Skip("set ANNSVD_STUDY=1 to run the poisson-nd cost study")
	}
	b := engine.MustDefault()
	for _, d := range []int{5, 10, 20, 50, 100} {
		p, err := problems.PoissonND(problems.Options{Dim: d, Widths: []int{64, 64}})
		require.NoError(t, err)
		r, err := solve.NewRun(b, p, annsvd.Config{Widths: []int{64, 64}}, solve.Config{Seed: 1})
		require.NoError(t, err)
		t0 := time.Now()
		require.NoError(t, r.AdamSteps(6))
		med := solve.Percentile(r.AdamStepTimes[1:], 0.5)
		t.Logf("d=%3d: first step (compile) %.2fs, median step %.1f ms, estimate %.2f GiB, total %.1fs",
			d, r.CompileTime.Seconds(), med, float64(problems.PoissonNDMemory(d, []int{64, 64}))/(1<<30), time.Since(t0).Seconds())
	}
}

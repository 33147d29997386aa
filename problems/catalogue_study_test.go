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

// TestCatalogueDenseVsSVD trains every new catalogue problem with a small network,
// dense and with the hidden 1→2 map in compact SVD form (rank 8 of 16), on the short
// budget of TestTrainingLowersError plus 100 L-BFGS iterations, and logs a Markdown
// table row per run. A study, run with ANNSVD_STUDY=1.
func TestCatalogueDenseVsSVD(t *testing.T) {
	if os.Getenv("ANNSVD_STUDY") == "" {
		t.Skip("set ANNSVD_STUDY=1 to run the catalogue study")
	}
	b := engine.MustDefault()
	cases := []struct {
		name  string
		act   annsvd.Activation
		steps int
		lr    float64
	}{
		{"heat", annsvd.ActTanh, 300, 5e-3},
		{"helmholtz", annsvd.ActSine, 300, 5e-3},
		{"poisson-nd", annsvd.ActTanh, 200, 1e-2},
		{"allen-cahn", annsvd.ActTanh, 150, 5e-3},
	}
	for _, c := range cases {
		for _, spec := range []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Compact, Rank: 8}} {
			p, err := problems.New(c.name)
			require.NoError(t, err)
			net := annsvd.Config{Widths: []int{16, 16, 16}, Activation: c.act, SVD: annsvd.DefaultSVD(spec)}
			t0 := time.Now()
			res, _, err := solve.Train(b, p, net, solve.Config{AdamSteps: c.steps, LBFGSIters: 100, LR: c.lr, Seed: 1})
			require.NoError(t, err)
			t.Logf("| %s | %s | %d | %.3e | %.1f | %d Adam + %d L-BFGS (%s) |", c.name, spec, res.Network.Params,
				res.Metrics.RelL2, time.Since(t0).Seconds(), c.steps, res.LBFGS.Iterations, res.LBFGS.Reason)
		}
	}
}

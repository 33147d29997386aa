package problems_test

import (
	"os"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/stretchr/testify/require"
)

// TestBurgersLBFGSStudy compares L-BFGS on a float32 Burgers run (3×20, 1000 Adam
// steps) in the model's precision without restarts (the old behaviour) and with the
// default float64 copy and restarts. A study, run with ANNSVD_STUDY=1.
func TestBurgersLBFGSStudy(t *testing.T) {
	if os.Getenv("ANNSVD_STUDY") == "" {
		t.Skip("set ANNSVD_STUDY=1 to run the Burgers L-BFGS study")
	}
	b := engine.MustDefault()
	for _, opts := range []solve.LBFGSOptions{{ModelPrecision: true, Restarts: -1}, {}} {
		p, err := problems.New("burgers")
		require.NoError(t, err)
		r, err := solve.NewRun(b, p, annsvd.Config{Widths: []int{20, 20, 20}}, solve.Config{Seed: 1})
		require.NoError(t, err)
		require.NoError(t, r.AdamSteps(1000))
		m0, _, _, err := r.Evaluate()
		require.NoError(t, err)
		rep, err := r.LBFGSWith(1500, opts)
		require.NoError(t, err)
		m, _, _, err := r.Evaluate()
		require.NoError(t, err)
		t.Logf("%+v: %d it, %d evals, %d restarts, %s, %.1fs; loss %.3e → %.3e; rel L2 %.3e → %.3e; attempts %q",
			opts, rep.Iterations, rep.FuncEvals, rep.Restarts, rep.Reason, rep.WallS, rep.LossBefore, rep.LossAfter, m0.RelL2, m.RelL2, rep.Attempts)
	}
}

package solve_test

import (
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/stretchr/testify/require"
)

// TestSSBroydenBeatsLBFGSOnPINN trains the same tiny float64 PINN (1-D Poisson, 2×8
// tanh) with the same Adam warm-up, then runs 400 SSBroyden iterations and twice as
// many L-BFGS ones: with no more loss evaluations than L-BFGS, SSBroyden must end at a
// loss at least ten times lower.
func TestSSBroydenBeatsLBFGSOnPINN(t *testing.T) {
	b := engine.MustDefault()
	net := annsvd.Config{Widths: []int{16, 16}}
	train := func(qn solve.QNUpdate, iters int) *solve.LBFGSReport {
		cfg := solve.Config{AdamSteps: 300, LR: 5e-3, LBFGSIters: iters, QN: qn, Seed: 5, DType: dtypes.Float64}
		res, _, err := solve.Train(b, poisson1D(), net, cfg)
		require.NoError(t, err)
		require.Equal(t, string(qn), res.History.Phase[len(res.History.Phase)-1])
		t.Logf("%s: %d iterations, %d evaluations, loss %.3e → %.3e (%s), rel L2 %.2e",
			qn, res.LBFGS.Iterations, res.LBFGS.FuncEvals, res.LBFGS.LossBefore, res.LBFGS.LossAfter, res.LBFGS.Reason, res.Metrics.RelL2)
		return res.LBFGS
	}
	lb, ss := train(solve.QNLBFGS, 800), train(solve.QNSSBroyden, 400)
	require.Equal(t, lb.LossBefore, ss.LossBefore, "same warm-up")
	require.LessOrEqual(t, ss.FuncEvals, lb.FuncEvals)
	require.Less(t, ss.LossAfter, lb.LossAfter/10)
	require.Greater(t, ss.Updates, 100)
}

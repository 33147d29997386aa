package problems_test

import (
	"testing"

	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/stretchr/testify/require"
)

// TestWorkersAgreeOnCatalogue: for every catalogue problem (and its hard-constraint
// variant), the loss, per-term losses and gradient at the same variables on 2
// data-parallel workers equal those on one backend to 1e-12 relative in float64, and
// two 2-worker evaluations are bit-identical.
func TestWorkersAgreeOnCatalogue(t *testing.T) {
	b, err := engine.NewWithConfig(engine.DefaultConfig)
	require.NoError(t, err)
	for _, name := range problems.Names() {
		e, err := problems.Get(name)
		require.NoError(t, err)
		for _, hard := range []bool{false, true} {
			if hard && e.Hard == "" {
				continue
			}
			label := name
			if hard {
				label += "/hard"
			}
			t.Run(label, func(t *testing.T) {
				p, err := e.Build(problems.Options{Hard: hard})
				require.NoError(t, err)
				cfg, err := e.Defaults.Train(1)
				require.NoError(t, err)
				cfg.DType, cfg.Hooks, cfg.Weights = dtypes.Float64, nil, nil
				cfg.Workers = 1
				r1, err := solve.NewRun(b, p, crossNet(e.Defaults), cfg)
				require.NoError(t, err)
				cfg.Workers = 2
				r2, err := solve.NewRun(b, p, crossNet(e.Defaults), cfg)
				require.NoError(t, err)
				copyVariables(t, r2, r1)
				l1, t1, g1, err := r1.LossAndGrad()
				require.NoError(t, err)
				l2, t2, g2, err := r2.LossAndGrad()
				require.NoError(t, err)
				require.Positive(t, l1)
				require.LessOrEqual(t, relDiff(l2, l1), 1e-12, "loss: 2 workers %.17g, 1 %.17g", l2, l1)
				require.Len(t, t2, len(t1))
				for i := range t1 {
					require.LessOrEqual(t, relDiff(t2[i], t1[i]), 1e-12, "term %s: 2 workers %.17g, 1 %.17g", r1.TermNames()[i], t2[i], t1[i])
				}
				require.LessOrEqual(t, normRelDiff(g2, g1), 1e-12, "gradient")
				l3, t3, g3, err := r2.LossAndGrad()
				require.NoError(t, err)
				require.Equal(t, l2, l3)
				require.Equal(t, t2, t3)
				require.Equal(t, g2, g3)
			})
		}
	}
}

package experiments

import (
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/stretchr/testify/require"
)

// TestValidateBeforeTraining: each experiment refuses bad settings, naming the value,
// without a backend (nothing trains).
func TestValidateBeforeTraining(t *testing.T) {
	require.ErrorContains(t, AdaptConfig{Experiment: "rank", Problem: "poisson-paper", Steps: 10, Every: 0}.Validate(), "-every 0")
	require.ErrorContains(t, AdaptConfig{Experiment: "bogus", Problem: "poisson-paper", Steps: 10, Every: 5}.Validate(), `-experiment "bogus"`)
	require.ErrorContains(t, AdaptConfig{Experiment: "rank", Problem: "poisson-paper", Steps: 10, Every: 5, Tol: 1.5}.Validate(), "tolerance 1.5")
	net := annsvd.Config{Widths: []int{8, 8}, Activation: annsvd.ActTanh}
	c := TransferConfig{ASource: 1, ATarget: 1.5, Grid: 4, Net: net, SourceSteps: 1, ScratchSteps: 1, TransferSteps: 1, LR: 1e-3, LRTransfer: 1e-2}
	require.ErrorContains(t, c.Validate(), "needs at least one SVD layer")
	c.Net.SVD = map[int]annsvd.LayerSpec{1: {Mode: annsvd.Compact, Rank: 9}}
	require.ErrorContains(t, c.Validate(), "rank 9")
	c.Net.SVD[1] = annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 2}
	c.TransferSteps = 0
	require.ErrorContains(t, c.Validate(), "Adam steps 1, 1, 0")
	inv := InverseConfig{Obs: 100, Noise: 0.01, Nu0: 0.01, Specs: []annsvd.LayerSpec{{}}, Widths: []int{8, 8}, DType: "float64", QN: "lbfgs", LR: 1e-3, DataWeight: 0}
	_, err := PlanInverse(inv)
	require.ErrorContains(t, err, "-data-weight 0")
	inv.DataWeight, inv.DType = 1, "float16"
	_, err = PlanInverse(inv)
	require.ErrorContains(t, err, `"float16"`)
	inv.DType = "float64"
	pl, err := PlanInverse(inv)
	require.NoError(t, err)
	require.Len(t, pl.Jobs, 1)
	require.Empty(t, pl.Jobs[0].Net.SVD) // dense
}

// TestAdaptOrthoRuns: the ortho experiment trains its three runs in order, each with
// its rank and an orthogonality log.
func TestAdaptOrthoRuns(t *testing.T) {
	rows, err := Adapt(engine.MustDefault(), AdaptConfig{Experiment: "ortho", Problem: "poisson-paper", Points: 60, Steps: 4, LR: 1e-2, Seed: 1, Every: 2, Mu: 1e-2, Rank: 3})
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, []string{"none", "penalty μ=0.01", "QR retraction every 2"}, []string{rows[0].Run, rows[1].Run, rows[2].Run})
	for _, r := range rows {
		require.Equal(t, []int{3}, r.Ranks)
		require.NotEmpty(t, r.Ortho, r.Run)
	}
}

package solve_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/stretchr/testify/require"
)

// TestLoadModelPredictsAsTrained: a model saved after training (compact SVD layers,
// float64, quasi-Newton) and loaded into a fresh run predicts bit for bit what the
// trained run predicts, and its derivatives agree with central differences of u. A
// model is refused for another problem.
func TestLoadModelPredictsAsTrained(t *testing.T) {
	b := engine.MustDefault()
	cfg := solve.Config{Seed: 3, AdamSteps: 30, LBFGSIters: 10, QN: solve.QNSSBroyden, DType: dtypes.Float64}
	_, run, err := solve.Train(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 4}), cfg)
	require.NoError(t, err)
	dir := t.TempDir()
	path, err := run.SaveModel(dir)
	require.NoError(t, err)
	files, err := os.ReadDir(path)
	require.NoError(t, err)
	require.Len(t, files, 2)

	m, err := solve.LoadModel(b, poisson1D(), dir)
	require.NoError(t, err)
	pts := [][]float64{{-0.7}, {-0.1}, {0.3}, {0.9}}
	want, err := run.Predict(pts)
	require.NoError(t, err)
	got, err := m.Predict(pts)
	require.NoError(t, err)
	require.Equal(t, want, got)

	u, first, second, err := m.PredictJet(pts, annsvd.Derivs{First: []int{0}, Second: []int{0}})
	require.NoError(t, err)
	require.Equal(t, want, u)
	const h = 1e-4
	for i, p := range pts {
		up, err := m.Predict([][]float64{{p[0] + h}, {p[0] - h}})
		require.NoError(t, err)
		require.InDelta(t, (up[0]-up[1])/(2*h), first[0][i], 1e-6)
		require.InDelta(t, (up[0]-2*u[i]+up[1])/(h*h), second[0][i], 1e-3)
	}
	_, _, _, err = m.PredictJet(pts, annsvd.Derivs{First: []int{1}})
	require.ErrorContains(t, err, "derivative coordinate 1 out of range [0, 1)")

	other := poisson1D()
	other.Name = "other"
	_, err = solve.LoadModel(b, other, dir)
	require.ErrorContains(t, err, "was written for problem poisson1d, not other")
	_, err = solve.LoadModel(b, poisson1D(), filepath.Join(dir, "none"))
	require.ErrorContains(t, err, "no such file or directory")
}

// A trained run saved with SaveModel is loaded into a new run, which predicts at new
// points exactly what the trained one does.
func ExampleLoadModel() {
	b := engine.MustDefault()
	_, run, err := solve.Train(b, poisson1D(), annsvd.Config{Widths: []int{16, 16}}, solve.Config{Seed: 1, AdamSteps: 200, LR: 5e-3})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	if _, err := run.SaveModel(dir); err != nil {
		panic(err)
	}
	m, err := solve.LoadModel(b, poisson1D(), dir)
	if err != nil {
		panic(err)
	}
	u, ux, _, err := m.PredictJet([][]float64{{0.5}}, annsvd.Derivs{First: []int{0}})
	if err != nil {
		panic(err)
	}
	trained, _ := run.Predict([][]float64{{0.5}})
	fmt.Println("same as the trained run:", u[0] == trained[0])
	fmt.Println("u(0.5) ≈ sin(π/2):", math.Abs(u[0]-1) < 0.1, " u_x(0.5) ≈ 0:", math.Abs(ux[0][0]) < 0.5)
	// Output:
	// same as the trained run: true
	// u(0.5) ≈ sin(π/2): true  u_x(0.5) ≈ 0: true
}

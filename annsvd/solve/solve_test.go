package solve_test

import (
	"math"
	"os"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/stretchr/testify/require"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

// poisson1D is u” = −π² sin(πx) on [−1,1], u(±1) = 0, exact u = sin(πx).
func poisson1D() *annsvd.Problem {
	var pts, bc [][]float64
	for i := range 64 {
		pts = append(pts, []float64{-1 + 2*(float64(i)+0.5)/64})
	}
	bc = [][]float64{{-1}, {1}}
	return &annsvd.Problem{
		Name: "poisson1d", Coords: []string{"x"},
		Terms: func(uint64) ([]annsvd.Term, error) {
			return []annsvd.Term{
				{Name: "pde", Points: pts, Derivs: annsvd.Derivs{First: []int{0}, Second: []int{0}},
					Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
						return Add(u.DD[0], MulScalar(Sin(MulScalar(x[0], math.Pi)), math.Pi*math.Pi))
					}},
				{Name: "bc", Points: bc, Weight: 10, Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return u.V }},
			}, nil
		},
		Reference: func() (*annsvd.EvalSet, error) {
			es := &annsvd.EvalSet{}
			for i := range 101 {
				x := -1 + 2*float64(i)/100
				es.Points = append(es.Points, []float64{x})
				es.U = append(es.U, math.Sin(math.Pi*x))
			}
			return es, nil
		},
	}
}

func netCfg(mode annsvd.LayerSpec) annsvd.Config {
	return annsvd.Config{Widths: []int{16, 16}, SVD: annsvd.DefaultSVD(mode)}
}

func TestTrainLowersErrorAndLBFGSReports(t *testing.T) {
	b := engine.MustDefault()
	for _, mode := range []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Compact, Rank: 4}} {
		res0, _, err := solve.Train(b, poisson1D(), netCfg(mode), solve.Config{AdamSteps: 1, Seed: 3})
		require.NoError(t, err)
		res, _, err := solve.Train(b, poisson1D(), netCfg(mode), solve.Config{AdamSteps: 500, LR: 5e-3, LBFGSIters: 200, Seed: 3})
		require.NoError(t, err)
		t.Logf("%s: rel L2 %.3e → %.3e; L-BFGS %+v", mode, res0.Metrics.RelL2, res.Metrics.RelL2, *res.LBFGS)
		require.Less(t, res.Metrics.RelL2, 2e-2)
		require.Less(t, res.Metrics.RelL2, res0.Metrics.RelL2/10)
		require.Greater(t, res.LBFGS.Iterations, 10)
		require.NotEmpty(t, res.LBFGS.Reason)
		require.LessOrEqual(t, res.LBFGS.LossAfter, res.LBFGS.LossBefore)
		require.Len(t, res.History.Terms["pde"], len(res.History.Step))
		require.Len(t, res.History.Terms["bc"], len(res.History.Step))
		require.Equal(t, "lbfgs", res.History.Phase[len(res.History.Phase)-1])
	}
}

func TestSameSeedSameHistory(t *testing.T) {
	b := engine.MustDefault()
	cfg := solve.Config{AdamSteps: 50, LBFGSIters: 10, Seed: 11, LogEvery: 1}
	a, _, err := solve.Train(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Thin}), cfg)
	require.NoError(t, err)
	c, _, err := solve.Train(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Thin}), cfg)
	require.NoError(t, err)
	require.Equal(t, a.History.Loss, c.History.Loss)
	require.Equal(t, a.History.Terms, c.History.Terms)
	cfg.Seed = 12
	d, _, err := solve.Train(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Thin}), cfg)
	require.NoError(t, err)
	require.NotEqual(t, a.History.Loss, d.History.Loss)
}

// TestForwardJetsEqualAutodiff checks that the fast path (forward jets) and the
// reference path (nested Gradient) give the same loss terms and parameter gradients.
func TestForwardJetsEqualAutodiff(t *testing.T) {
	b := engine.MustDefault()
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		var losses [2][]float64
		var grads [2][]float64
		for k, m := range []annsvd.DerivMethod{annsvd.DerivForward, annsvd.DerivAutodiff} {
			r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 5}),
				solve.Config{Seed: 5, DType: dt, Deriv: m})
			require.NoError(t, err)
			l, terms, g, err := r.LossAndGrad()
			require.NoError(t, err)
			losses[k] = append([]float64{l}, terms...)
			grads[k] = g
		}
		tol := 1e-12
		if dt == dtypes.Float32 {
			tol = 2e-5
		}
		for i := range losses[0] {
			require.InEpsilon(t, losses[1][i], losses[0][i], tol, "%s loss %d", dt, i)
		}
		var num, den float64
		for i := range grads[0] {
			d := grads[0][i] - grads[1][i]
			num += d * d
			den += grads[1][i] * grads[1][i]
		}
		t.Logf("%s: relative gradient difference %.2e", dt, math.Sqrt(num/den))
		require.Less(t, math.Sqrt(num/den), tol)
	}
}

func TestNonFiniteLossStops(t *testing.T) {
	p := poisson1D()
	p.Terms = func(uint64) ([]annsvd.Term, error) {
		return []annsvd.Term{{Name: "bad", Points: [][]float64{{0.5}},
			Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return Div(u.V, ZerosLike(u.V)) }}}, nil
	}
	_, _, err := solve.Train(engine.MustDefault(), p, netCfg(annsvd.LayerSpec{}), solve.Config{AdamSteps: 5})
	require.ErrorIs(t, err, solve.ErrNonFinite)
	require.Contains(t, err.Error(), "Adam step 1")
}

func TestBadSettings(t *testing.T) {
	b := engine.MustDefault()
	for name, cfg := range map[string]solve.Config{
		"adam -1": {AdamSteps: -1}, "lbfgs -5": {LBFGSIters: -5}, "lr -1": {LR: -1}, "lr NaN": {LR: math.NaN()},
		"weight NaN": {Weights: map[string]float64{"pde": math.NaN()}}, "weight -1": {Weights: map[string]float64{"pde": -1}},
		"weight unknown": {Weights: map[string]float64{"nope": 1}}, "dtype": {DType: dtypes.Int64},
	} {
		_, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), cfg)
		require.Error(t, err, name)
		t.Logf("%-14s → %v", name, err)
	}
}

// TestCompileTimeIsTheFirstStep: CompileTime stays the first Adam step's time when the
// step timings are reset (as the benchmark does after its warm-up).
func TestCompileTimeIsTheFirstStep(t *testing.T) {
	r, err := solve.NewRun(engine.MustDefault(), poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{Seed: 1})
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(1))
	first := r.CompileTime
	require.Positive(t, first)
	r.AdamStepTimes = r.AdamStepTimes[:0]
	require.NoError(t, r.AdamSteps(2))
	require.Equal(t, first, r.CompileTime)
}

// TestUndeclaredDerivativeNamesTheTerm: a residual that reads a derivative its term does
// not declare fails at graph build with the problem, the term, what it read and what the
// term declares, through the Jet accessors or through the raw (nil) field.
func TestUndeclaredDerivativeNamesTheTerm(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  func(u annsvd.Jet) *Node
		want []string
	}{
		{"accessor second", func(u annsvd.Jet) *Node { return u.Dxx(0) },
			[]string{`problem poisson1d, term "pde": the residual reads u_xx, which the term's Derivs do not declare (declared: u_x)`}},
		{"accessor laplacian", func(u annsvd.Jet) *Node { return u.Laplacian() },
			[]string{`term "pde": the residual reads the Laplacian`}},
		{"raw field", func(u annsvd.Jet) *Node { return Add(u.DD[0], u.V) },
			[]string{`term "pde": building the residual failed (declared derivatives: u_x;`}},
	} {
		p := poisson1D()
		terms := p.Terms
		p.Terms = func(seed uint64) ([]annsvd.Term, error) {
			ts, err := terms(seed)
			ts[0].Derivs = annsvd.Derivs{First: []int{0}}
			ts[0].Residual = func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return tc.res(u) }
			return ts, err
		}
		_, _, err := solve.Train(engine.MustDefault(), p, netCfg(annsvd.LayerSpec{}), solve.Config{AdamSteps: 1, Workers: 1})
		require.Error(t, err, tc.name)
		t.Log(err)
		for _, w := range tc.want {
			require.Contains(t, err.Error(), w, tc.name)
		}
	}
}

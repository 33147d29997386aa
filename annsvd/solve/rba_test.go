package solve_test

import (
	"math"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/stretchr/testify/require"
)

// TestRBAUpdateRule checks the multipliers against their rule: after one Adam step
// λ = γ·λ₀ + η·|r|/max|r| with the residuals before the step; the loss is
// w·mean(λ²r²) for the attended term; UpdateRBA(n) applies the rule n times at once.
func TestRBAUpdateRule(t *testing.T) {
	const gamma, eta, init = 0.9, 0.05, 0.5
	cfg := solve.Config{AdamSteps: 1, LR: 1e-3, Seed: 2, DType: dtypes.Float64,
		RBA: solve.RBAConfig{Eta: eta, Gamma: gamma, Init: init}}
	r, err := solve.NewRun(engine.MustDefault(), poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), cfg)
	require.NoError(t, err)
	require.Nil(t, r.RBAMultipliers("bc"), "only pde is attended")
	lam0 := r.RBAMultipliers("pde")
	require.Len(t, lam0, len(r.Terms[0].Points))
	for _, v := range lam0 {
		require.Equal(t, init, v)
	}
	expect := func(lam, res []float64, n int) []float64 {
		mx := 0.0
		for _, x := range res {
			mx = math.Max(mx, math.Abs(x))
		}
		out := make([]float64, len(lam))
		gn := math.Pow(gamma, float64(n))
		for i := range lam {
			out[i] = gn*lam[i] + eta*(1-gn)/(1-gamma)*math.Abs(res[i])/mx
		}
		return out
	}
	res, err := r.Residuals(0, r.Terms[0].Points)
	require.NoError(t, err)
	// The loss uses λ²: mean(λ²r²)·1 + 10·mean(bc²) with λ = λ₀.
	loss, terms, _, err := r.LossAndGrad()
	require.NoError(t, err)
	var m float64
	for _, x := range res {
		m += init * init * x * x
	}
	m /= float64(len(res))
	require.InDelta(t, m+10*terms[1], loss, 1e-12*loss)
	require.NoError(t, r.AdamSteps(1))
	got := r.RBAMultipliers("pde")
	want := expect(lam0, res, 1)
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-14, "point %d", i)
	}
	res, err = r.Residuals(0, r.Terms[0].Points)
	require.NoError(t, err)
	require.NoError(t, r.UpdateRBA(7))
	want = expect(got, res, 7)
	got = r.RBAMultipliers("pde")
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-14, "point %d", i)
	}
	// New points start again from λ₀.
	pts := r.Terms[0].Points[:10]
	require.NoError(t, r.SetTermPoints(0, pts, nil))
	require.Equal(t, []float64{init, init, init, init, init, init, init, init, init, init}, r.RBAMultipliers("pde"))
}

// TestRBABadSettings checks that bad settings are refused before training.
func TestRBABadSettings(t *testing.T) {
	b := engine.MustDefault()
	for _, c := range []solve.RBAConfig{{Eta: -1}, {Eta: math.Inf(1)}, {Eta: 0.01, Gamma: 1}, {Eta: 0.01, Gamma: -0.5}, {Eta: 0.01, Terms: []string{"nosuch"}}} {
		_, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{AdamSteps: 1, RBA: c})
		require.ErrorContains(t, err, "RBA", "%+v", c)
	}
}

// TestRBATrainsWithQuasiNewtonRounds runs Adam then SSBroyden rounds with RBA and RAD
// on a float32 run (the quasi-Newton phase in its float64 copy): the multipliers move
// away from λ₀ during Adam, change between rounds, stay fixed within them, and the
// error falls below what Adam alone reached.
func TestRBATrainsWithQuasiNewtonRounds(t *testing.T) {
	p := poisson1DRAD()
	rad, err := solve.NewRAD(solve.RADConfig{LBFGSEvery: 50})
	require.NoError(t, err)
	cfg := solve.Config{AdamSteps: 300, LR: 5e-3, Seed: 4, QN: solve.QNSSBroyden, RBA: solve.RBAConfig{Eta: 0.01}}
	r, err := solve.NewRun(engine.MustDefault(), p, netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), cfg)
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(cfg.AdamSteps))
	adamErr, _, _, err := r.Evaluate()
	require.NoError(t, err)
	lam := r.RBAMultipliers("pde")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range lam {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	// Bounds after n = 300 steps from λ₀ = 1: γⁿ ≤ λ ≤ γⁿ + η(1−γⁿ)/(1−γ).
	gn := math.Pow(0.999, 300)
	require.GreaterOrEqual(t, lo, gn-1e-6)
	require.LessOrEqual(t, hi, gn+0.01*(1-gn)/0.001+1e-6)
	require.Greater(t, hi, 1.5, "the largest residuals gained attention")
	require.Greater(t, hi-lo, 0.5, "multipliers differ between points")

	r.Config.Hooks = []solve.Hook{rad}
	rep, err := r.LBFGS(20)
	require.NoError(t, err)
	require.Equal(t, lam, r.RBAMultipliers("pde"), "frozen inside a minimisation")
	require.Positive(t, rep.Iterations)
	res, _, err := solve.Train(engine.MustDefault(), p, netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}),
		solve.Config{AdamSteps: 300, LR: 5e-3, Seed: 4, QN: solve.QNSSBroyden, LBFGSIters: 150, RBA: solve.RBAConfig{Eta: 0.01}, Hooks: []solve.Hook{rad}})
	require.NoError(t, err)
	t.Logf("rel L2 after Adam %.2e, after 3 SSBroyden rounds %.2e (%s)", adamErr.RelL2, res.Metrics.RelL2, res.LBFGS.Reason)
	require.Len(t, res.RAD, 2)
	require.Less(t, res.Metrics.RelL2, adamErr.RelL2/3)
}

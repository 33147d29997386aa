package solve_test

import (
	"math"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/stretchr/testify/require"
)

func TestSchedules(t *testing.T) {
	b := engine.MustDefault()
	exp, err := solve.ExpDecay(1e-2, 0.5, 10)
	require.NoError(t, err)
	r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{LR: 1e-2, Hooks: []solve.Hook{exp}})
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(20))
	require.InDelta(t, 2.5e-3, r.LR(), 1e-9) // 1e-2·0.5^(20/10)

	cos, err := solve.ParseSchedule("cosine:1e-4", 1e-2, 20)
	require.NoError(t, err)
	r, err = solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{LR: 1e-2, Hooks: []solve.Hook{cos}})
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(10))
	require.InDelta(t, 1e-4+0.5*(1e-2-1e-4), r.LR(), 1e-7) // half way
	require.NoError(t, r.AdamSteps(15))
	require.InDelta(t, 1e-4, r.LR(), 1e-9) // held at the end

	// Steps 0: over the run's Adam steps (20 here), whatever they are.
	cos, err = solve.ParseSchedule("cosine:1e-4", 1e-2, 0)
	require.NoError(t, err)
	r, err = solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{LR: 1e-2, AdamSteps: 20, Hooks: []solve.Hook{cos}})
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(10))
	require.InDelta(t, 1e-4+0.5*(1e-2-1e-4), r.LR(), 1e-7) // half way through the run's 20
	require.Contains(t, cos.(solve.HookSetting).Setting(r.Config), "over 20 Adam steps")

	for _, bad := range []string{"exp:0:10", "exp:0.5:0", "exp:2:10", "cosine:1", "cosine:x", "linear", "exp:0.5"} {
		_, err := solve.ParseSchedule(bad, 1e-3, 100)
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), "solve:", bad)
	}
	h, err := solve.ParseSchedule("none", 1e-3, 100)
	require.NoError(t, err)
	require.Nil(t, h)
}

func TestResampleAndAdaptiveValidation(t *testing.T) {
	for _, p := range []int{0, -5} {
		_, err := solve.Resample(p)
		require.ErrorContains(t, err, "period")
	}
	_, err := solve.NewAdaptiveWeights(0, 0.9, "pde")
	require.ErrorContains(t, err, "period 0")
	_, err = solve.NewAdaptiveWeights(10, 1, "pde")
	require.ErrorContains(t, err, "α = 1")
	_, err = solve.NewAdaptiveWeights(10, math.NaN(), "pde")
	require.Error(t, err)

	b := engine.MustDefault()
	rs, err := solve.Resample(5, "nope")
	require.NoError(t, err)
	r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{Hooks: []solve.Hook{rs}})
	require.NoError(t, err)
	require.ErrorContains(t, r.AdamSteps(2), `unknown term "nope"`)
}

func TestAdaptiveWeightsBalanceGradients(t *testing.T) {
	b := engine.MustDefault()
	aw, err := solve.NewAdaptiveWeights(10, 0.5, "pde")
	require.NoError(t, err)
	var updates int
	aw.Log = func(int, map[string]float64) { updates++ }
	r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{Seed: 2, Hooks: []solve.Hook{aw}})
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(20))
	require.Equal(t, 2, updates)
	var st solve.TermGradStats
	maxAbs, meanAbs, err := st.Eval(r)
	require.NoError(t, err)
	require.Len(t, maxAbs, 2)
	w, err := r.Weight("bc")
	require.NoError(t, err)
	// The bc weight moved from its initial 10 towards max|∇L_pde| / mean|∇L_bc|.
	require.NotEqual(t, 10.0, w)
	require.Greater(t, w, 0.0)
	hat := maxAbs[0] / meanAbs[1]
	t.Logf("bc weight %.4g, current λ̂ %.4g", w, hat)
	wp, err := r.Weight("pde")
	require.NoError(t, err)
	require.Equal(t, 1.0, wp)

	bad, err := solve.NewAdaptiveWeights(10, 0.5, "nope")
	require.NoError(t, err)
	r, err = solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{Hooks: []solve.Hook{bad}})
	require.NoError(t, err)
	require.ErrorContains(t, r.AdamSteps(1), `no reference term "nope"`)
}

// TestLBFGSFloat64Shadow: L-BFGS on a float32 run goes further in float64 than in the
// model's precision, reports its reason, and copies the result back.
func TestLBFGSFloat64Shadow(t *testing.T) {
	b := engine.MustDefault()
	run := func(opts solve.LBFGSOptions) (solve.LBFGSReport, float64) {
		r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{Seed: 3, LR: 5e-3})
		require.NoError(t, err)
		require.NoError(t, r.AdamSteps(300))
		rep, err := r.LBFGSWith(1500, opts)
		require.NoError(t, err)
		require.NotEmpty(t, rep.Reason)
		require.NotEmpty(t, rep.Attempts)
		l, _, _, err := r.LossAndGrad()
		require.NoError(t, err)
		return rep, l
	}
	rep32, l32 := run(solve.LBFGSOptions{ModelPrecision: true, Restarts: -1})
	rep64, l64 := run(solve.LBFGSOptions{})
	t.Logf("float32: %d it, %d evals, %s, loss %.3e (float32 eval %.3e)", rep32.Iterations, rep32.FuncEvals, rep32.Reason, rep32.LossAfter, l32)
	t.Logf("float64: %d it, %d evals, %d restarts, %s, loss %.3e (float32 eval %.3e) %v", rep64.Iterations, rep64.FuncEvals, rep64.Restarts, rep64.Reason, rep64.LossAfter, l64, rep64.Attempts)
	require.Equal(t, "Float32", rep32.DType)
	require.Equal(t, "Float64", rep64.DType)
	require.Less(t, rep64.LossAfter, rep32.LossAfter)
	require.GreaterOrEqual(t, rep64.Iterations, rep32.Iterations)
	// The float64 result was copied back into the float32 run.
	require.Less(t, l64, 2*rep64.LossAfter+1e-6)
}

// TestLBFGSStop: Config.Stop interrupts L-BFGS after the current iteration, keeping the
// best point, with an error wrapping ErrInterrupted.
func TestLBFGSStop(t *testing.T) {
	b := engine.MustDefault()
	calls := 0
	r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{}), solve.Config{Seed: 3, Stop: func() bool { calls++; return calls > 5 }})
	require.NoError(t, err)
	rep, err := r.LBFGS(100)
	require.ErrorIs(t, err, solve.ErrInterrupted)
	require.Equal(t, 6, rep.Iterations, "%+v", rep) // Stop is true at its 6th poll
	require.Equal(t, "interrupted after 6 of 100 iterations", rep.Reason)
	require.Less(t, rep.LossAfter, rep.LossBefore)
	l, _, _, err := r.LossAndGrad()
	require.NoError(t, err)
	require.InDelta(t, rep.LossAfter, l, 1e-4*rep.LossBefore)
}

// TestTrainWithoutReference: a problem without a reference solution trains (Adam, then
// L-BFGS in RAD rounds), its result says why the metrics are missing, and the table shows
// "-" for them instead of zeros.
func TestTrainWithoutReference(t *testing.T) {
	p := poisson1DRAD()
	p.Reference = nil
	h, err := solve.NewRAD(solve.RADConfig{LBFGSEvery: 5})
	require.NoError(t, err)
	res, _, err := solve.Train(engine.MustDefault(), p, netCfg(annsvd.LayerSpec{}), solve.Config{Seed: 1, AdamSteps: 5, LR: 1e-2, LBFGSIters: 10, Hooks: []solve.Hook{h}})
	require.NoError(t, err)
	require.Contains(t, res.MetricsSkipped, "poisson1d: no reference solution")
	require.Zero(t, res.Metrics.RelL2)
	require.Greater(t, res.Step, 5) // the quasi-Newton rounds ran
	var b strings.Builder
	solve.PrintTable(&b, []string{"dense"}, []*solve.Result{res})
	require.Contains(t, b.String(), "poisson1d dense: solve: problem poisson1d: no reference solution")
	require.NotContains(t, b.String(), "0.000e+00")
}

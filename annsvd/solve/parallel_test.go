package solve_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/stretchr/testify/require"
)

// inverseProblem is burgers-inverse on synthetic data: a PDE term reading the trainable
// ν and a data term, so that sharding covers data rows and non-network variables.
func inverseProblem(t *testing.T) *annsvd.Problem {
	var pts [][]float64
	var u []float64
	for i := range 41 {
		x, tt := -1+2*float64(i)/40, 0.9*float64(i%7)/7
		pts = append(pts, []float64{x, tt})
		u = append(u, -math.Sin(math.Pi*x)*math.Exp(-tt))
	}
	p, err := problems.BurgersInverseFrom(pts, u, 0.05)
	require.NoError(t, err)
	return p
}

// l2Penalty is a regularizer reading every network variable (counted once by the
// workers).
var l2Penalty = solve.Regularizer{Name: "l2", Loss: func(ctx *context.Context, g *Graph) *Node {
	var total *Node
	for v := range ctx.IterVariables() {
		if !v.Trainable || v.Scope() == problems.InverseScope {
			continue
		}
		s := MulScalar(ReduceAllSum(Square(v.ValueGraph(g))), 1e-3)
		if total == nil {
			total = s
		} else {
			total = Add(total, s)
		}
	}
	return total
}}

func relDiff(a, b []float64) float64 {
	num, den := 0.0, 0.0
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}

// TestWorkersAgreeWithOneWorker: the loss, per-term losses and gradient evaluated on
// K = 2 and 3 data-parallel workers equal the single-backend ones (1e-12 relative in
// float64, 1e-5 in float32), with a data term, a trainable problem variable, RBA
// multipliers (after Adam steps made them non-uniform) and a regularizer; 20 Adam steps
// with RBA give the same losses and multipliers on 2 workers as on one; and a K-worker
// run is bit-identical run to run. A coupled term is evaluated whole, once.
func TestWorkersAgreeWithOneWorker(t *testing.T) {
	b := engine.MustDefault()
	net := annsvd.Config{Widths: []int{12, 12}, SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 6})}
	problem := func() *annsvd.Problem { return inverseProblem(t) }
	run := func(k int, dt dtypes.DType, adam int) (*solve.Run, float64, []float64, []float64) {
		r, err := solve.NewRun(b, problem(), net, solve.Config{
			Seed: 4, DType: dt, Workers: k, AdamSteps: adam, LR: 1e-2,
			RBA: solve.RBAConfig{Eta: 0.05, Gamma: 0.9}, Regularizers: []solve.Regularizer{l2Penalty}})
		require.NoError(t, err)
		k2, err := r.Workers()
		require.NoError(t, err)
		require.Equal(t, k, k2)
		require.NoError(t, r.AdamSteps(adam))
		loss, terms, grad, err := r.LossAndGrad()
		require.NoError(t, err)
		return r, loss, terms, grad
	}
	for _, dt := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
		tol := 1e-12
		if dt == dtypes.Float32 {
			tol = 1e-5
		}
		for _, adam := range []int{0, 20} {
			r1, l1, t1, g1 := run(1, dt, adam)
			for _, k := range []int{2, 3} {
				rk, lk, tk, gk := run(k, dt, adam)
				require.InDelta(t, 0, relDiff([]float64{lk}, []float64{l1}), tol, "%s K=%d after %d Adam steps: loss", dt, k, adam)
				require.InDelta(t, 0, relDiff(tk, t1), tol, "%s K=%d after %d Adam steps: terms %v vs %v", dt, k, adam, tk, t1)
				require.InDelta(t, 0, relDiff(gk, g1), tol, "%s K=%d after %d Adam steps: gradient", dt, k, adam)
				if adam > 0 {
					h1, hk := r1.History, rk.History
					require.InDelta(t, 0, relDiff(hk.Loss, h1.Loss), 10*tol, "%s K=%d: Adam losses", dt, k)
					lam1, lamk := r1.RBAMultipliers("pde"), rk.RBAMultipliers("pde")
					require.Greater(t, lam1[0], 0.0)
					require.NotEqual(t, lam1[0], lam1[len(lam1)-1], "multipliers still uniform")
					require.InDelta(t, 0, relDiff(lamk, lam1), 10*tol, "%s K=%d: RBA multipliers", dt, k)
				}
			}
		}
	}
	_, la, _, ga := run(2, dtypes.Float32, 20)
	_, lb, _, gb := run(2, dtypes.Float32, 20)
	require.Equal(t, la, lb)
	require.Equal(t, ga, gb)

	// A coupled term (Allen–Cahn's soft periodicity pairs point i with point M+i) is
	// held whole by every worker and counted by worker 0.
	problem = func() *annsvd.Problem {
		p, err := problems.AllenCahn(problems.Options{})
		require.NoError(t, err)
		return p
	}
	_, l1, t1, g1 := run(1, dtypes.Float64, 3)
	_, l2, t2, g2 := run(2, dtypes.Float64, 3)
	require.InDelta(t, 0, relDiff([]float64{l2}, []float64{l1}), 1e-12, "allen-cahn loss")
	require.InDelta(t, 0, relDiff(t2, t1), 1e-12, "allen-cahn terms %v vs %v", t2, t1)
	require.InDelta(t, 0, relDiff(g2, g1), 1e-12, "allen-cahn gradient")
}

// poisson1DRAD is poisson1D with resampleable PDE points.
func poisson1DRAD() *annsvd.Problem {
	p := poisson1D()
	terms := p.Terms
	p.Terms = func(seed uint64) ([]annsvd.Term, error) {
		ts, err := terms(seed)
		if err == nil {
			ts[0].Sample = annsvd.BoxSampler([]float64{-1}, []float64{1})
		}
		return ts, err
	}
	return p
}

// TestWorkersTrainAndResume: a 2-worker run with Adam, RAD between L-BFGS rounds and
// checkpoints ends close to the 1-worker one, and resumed from a checkpoint in Adam or
// after a resampling it ends exactly as uninterrupted.
func TestWorkersTrainAndResume(t *testing.T) {
	b := engine.MustDefault()
	cfg := func(k int, dir string) solve.Config {
		h, err := solve.NewRAD(solve.RADConfig{Period: 1000, LBFGSEvery: 10})
		require.NoError(t, err)
		c := solve.Config{Seed: 2, DType: dtypes.Float64, Workers: k, AdamSteps: 30, LR: 1e-2, LBFGSIters: 30, Hooks: []solve.Hook{h}}
		if dir != "" {
			c.Hooks = append(c.Hooks, &solve.Checkpointer{Dir: dir, Every: 10, Keep: 100})
		}
		return c
	}
	one, _, err := solve.Train(b, poisson1DRAD(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), cfg(1, ""))
	require.NoError(t, err)
	dir := t.TempDir()
	two, _, err := solve.Train(b, poisson1DRAD(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), cfg(2, dir))
	require.NoError(t, err)
	require.Equal(t, 2, two.Workers)
	require.Equal(t, 1, one.Workers)
	// Not to rounding: the problem is symmetric, so some gradients are rounding noise
	// around 0, which Adam scales up to steps of size ~lr·|g|/ε (as it would for any other
	// order of the sums).
	t.Logf("1 worker: loss at step 30 %.6g, rel L2 %.3e; 2 workers: %.6g, %.3e", one.History.Loss[29], one.Metrics.RelL2, two.History.Loss[29], two.Metrics.RelL2)
	require.InDelta(t, one.History.Loss[29], two.History.Loss[29], 1e-2*one.History.Loss[29], "Adam losses")
	require.InDelta(t, one.Metrics.RelL2, two.Metrics.RelL2, 0.5*one.Metrics.RelL2)
	for _, step := range []string{"ckpt-20", "ckpt-39"} { // in Adam; after the first resampling
		from := t.TempDir()
		require.NoError(t, os.CopyFS(filepath.Join(from, step), os.DirFS(filepath.Join(dir, step))))
		c := cfg(2, "")
		c.ResumeFrom = from
		resumed, _, err := solve.Train(b, poisson1DRAD(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), c)
		require.NoError(t, err)
		require.Contains(t, resumed.ResumedFrom, step)
		require.Equal(t, two.Metrics, resumed.Metrics, "resumed from %s", step)
		require.Equal(t, two.History.Loss, resumed.History.Loss, "resumed from %s", step)
	}
}

// TestWorkersSettings: an explicit count is bounded by 256 and by the point count of
// the smallest term, and more than one worker is refused on an XLA backend; left open,
// the count is limited to that point count.
func TestWorkersSettings(t *testing.T) {
	b := engine.MustDefault()
	_, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), solve.Config{Workers: -1})
	require.ErrorContains(t, err, "workers -1 out of range [1, 256]")
	_, err = solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), solve.Config{Workers: 3})
	require.EqualError(t, err, "solve: workers 3 out of range [1, 2]: term bc has 2 points")
	require.EqualError(t, solve.CheckWorkers(b, poisson1D(), solve.Config{Workers: 3}), "solve: workers 3 out of range [1, 2]: term bc has 2 points")
	require.NoError(t, solve.CheckWorkers(b, poisson1D(), solve.Config{Workers: 2}))
	t.Setenv(engine.WorkersEnvVar, "7")
	r, err := solve.NewRun(b, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), solve.Config{})
	require.NoError(t, err)
	k, err := r.Workers()
	require.NoError(t, err)
	require.Equal(t, 2, k)
	t.Setenv(engine.WorkersEnvVar, "0")
	require.ErrorContains(t, solve.CheckWorkers(b, poisson1D(), solve.Config{}), `$ANNSVD_WORKERS="0" out of range`)
	if x, err := engine.NewWithConfig("xla:cpu"); err == nil {
		require.ErrorContains(t, solve.CheckWorkers(x, poisson1D(), solve.Config{Workers: 2}), "workers 2 need the pure-Go engine")
		_, err = solve.NewRun(x, poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), solve.Config{Workers: 2})
		require.ErrorContains(t, err, "workers 2 need the pure-Go engine")
	}
}

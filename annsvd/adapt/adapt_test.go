package adapt_test

import (
	"math"
	"os"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/adapt"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

// poisson1D is u” = −π² sin(πx) on [−1,1], u(±1) = 0, exact u = sin(πx).
func poisson1D() *annsvd.Problem {
	var pts [][]float64
	for i := range 48 {
		pts = append(pts, []float64{-1 + 2*(float64(i)+0.5)/48})
	}
	return &annsvd.Problem{
		Name: "poisson1d", Coords: []string{"x"},
		Terms: func(uint64) ([]annsvd.Term, error) {
			return []annsvd.Term{
				{Name: "pde", Points: pts, Derivs: annsvd.Derivs{First: []int{0}, Second: []int{0}},
					Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
						return Add(u.DD[0], MulScalar(Sin(MulScalar(x[0], math.Pi)), math.Pi*math.Pi))
					}},
				{Name: "bc", Points: [][]float64{{-1}, {1}}, Weight: 10, Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return u.V }},
			}, nil
		},
		Reference: func() (*annsvd.EvalSet, error) {
			es := &annsvd.EvalSet{}
			for i := range 51 {
				x := -1 + 2*float64(i)/50
				es.Points = append(es.Points, []float64{x})
				es.U = append(es.U, math.Sin(math.Pi*x))
			}
			return es, nil
		},
	}
}

func newRun(t *testing.T, spec annsvd.LayerSpec, cfg solve.Config) *solve.Run {
	cfg.Seed = 5
	if cfg.LR == 0 {
		cfg.LR = 5e-3
	}
	r, err := solve.NewRun(engine.MustDefault(), poisson1D(), annsvd.Config{Widths: []int{16, 16}, SVD: annsvd.DefaultSVD(spec)}, cfg)
	require.NoError(t, err)
	return r
}

func weightDiff(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / mat.Norm(a, 2) // Frobenius norms
}

func TestAdaptiveRankShrinksAndKeepsTraining(t *testing.T) {
	_, err := adapt.NewAdaptiveRank(10, 1.5)
	require.ErrorContains(t, err, "1.5")
	_, err = adapt.NewAdaptiveRank(0, 0.1)
	require.ErrorContains(t, err, "period 0")

	hook, err := adapt.NewAdaptiveRank(100, 0.2)
	require.NoError(t, err)
	r := newRun(t, annsvd.LayerSpec{Mode: annsvd.Thin}, solve.Config{Hooks: []solve.Hook{hook}})
	require.Equal(t, []int{16}, adapt.Ranks(r))
	require.NoError(t, r.AdamSteps(99))
	w0 := annsvd.LayerWeight(r.Ctx, 1)
	sigma, err := annsvd.SingularValues(r.Ctx, 1)
	require.NoError(t, err)
	require.NoError(t, hook.Apply(r, r.Step))
	k := adapt.Ranks(r)[0]
	require.Less(t, k, 16)
	want := 0
	for _, s := range sigma {
		if s >= 0.2*sigma[0] {
			want++
		}
	}
	require.Equal(t, want, k)
	l := r.Net.Layers[1]
	require.Equal(t, k*(16+16+1)+16, l.Params)
	// The truncated weight is the best rank-k approximation (Eckart–Young):
	// ‖W − W_k‖_F² = Σ_{i>k} σᵢ².
	var tail, all float64
	for i, s := range sigma {
		all += s * s
		if i >= k {
			tail += s * s
		}
	}
	require.InDelta(t, math.Sqrt(tail/all), weightDiff(w0, annsvd.LayerWeight(r.Ctx, 1)), 1e-4)
	require.NotEmpty(t, r.History.Events)
	require.Equal(t, []int{k}, []int{annsvd.VarMatrix(r.Ctx, 1, "s").RawMatrix().Cols})
	// Training goes on with the smaller variables and their mapped Adam moments.
	require.NoError(t, r.AdamSteps(300))
	m, _, _, err := r.Evaluate()
	require.NoError(t, err)
	t.Logf("rank 16→%v, rel L2 %.3e, log %v", adapt.Ranks(r), m.RelL2, hook.Log)
	require.Less(t, m.RelL2, 0.2)
}

func TestRetractionKeepsWAndOrthonormalises(t *testing.T) {
	r := newRun(t, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 6}, solve.Config{LR: 2e-2})
	require.NoError(t, r.AdamSteps(60))
	before := adapt.MaxOrtho(r)
	require.Greater(t, before, 1e-3)
	w0 := annsvd.LayerWeight(r.Ctx, 1)
	require.NoError(t, adapt.Retract(r))
	require.Less(t, weightDiff(w0, annsvd.LayerWeight(r.Ctx, 1)), 1e-5)
	require.Less(t, adapt.MaxOrtho(r), 1e-5)
	require.NoError(t, r.AdamSteps(5))
}

func TestOrthoPenaltyMatchesHost(t *testing.T) {
	_, err := adapt.OrthoPenalty(-1, []int{1})
	require.ErrorContains(t, err, "μ=-1")
	reg, err := adapt.OrthoPenalty(0.5, []int{1})
	require.NoError(t, err)
	r := newRun(t, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 5}, solve.Config{LR: 2e-2, Regularizers: []solve.Regularizer{reg}, LogEvery: 1})
	require.NoError(t, r.AdamSteps(20))
	u, v := annsvd.OrthoError(r.Ctx, 1)
	_, terms, _, err := r.LossAndGrad()
	require.NoError(t, err)
	require.Equal(t, "ortho", r.TermNames()[2])
	require.InEpsilon(t, 0.5*(u*u+v*v), terms[2], 1e-2)
	require.Len(t, r.History.Terms["ortho"], len(r.History.Step))
}

func TestFreezeBases(t *testing.T) {
	r := newRun(t, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 4}, solve.Config{})
	require.NoError(t, r.AdamSteps(3))
	require.NoError(t, adapt.FreezeBases(r))
	u0, s0 := annsvd.VarMatrix(r.Ctx, 1, "u"), annsvd.VarMatrix(r.Ctx, 1, "s")
	require.NoError(t, r.AdamSteps(5))
	require.True(t, mat.Equal(u0, annsvd.VarMatrix(r.Ctx, 1, "u")))
	require.False(t, mat.Equal(s0, annsvd.VarMatrix(r.Ctx, 1, "s")))
}

func TestCopyNetwork(t *testing.T) {
	spec := annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 4}
	src := newRun(t, spec, solve.Config{})
	require.NoError(t, src.AdamSteps(10))
	dst := newRun(t, spec, solve.Config{})
	x := [][]float64{{-0.5}, {0.25}}
	a, err := src.Predict(x)
	require.NoError(t, err)
	b, err := dst.Predict(x)
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	require.NoError(t, solve.CopyNetwork(dst, src))
	b, err = dst.Predict(x)
	require.NoError(t, err)
	require.Equal(t, a, b)
	other, err := solve.NewRun(engine.MustDefault(), poisson1D(), annsvd.Config{Widths: []int{16, 8}, SVD: annsvd.DefaultSVD(spec)}, solve.Config{})
	require.NoError(t, err)
	require.ErrorContains(t, solve.CopyNetwork(other, src), "shape")
}

// poison sets every singular value of layer 1 to NaN once, at the given step.
type poison struct {
	at   int
	done bool
}

func (p *poison) AfterStep(r *solve.Run, step int) error {
	if step != p.at || p.done {
		return nil
	}
	p.done = true
	v := r.Ctx.InspectVariable("/net/layer_1", "s")
	n := v.Shape().Size()
	nan := make([]float64, n)
	for i := range nan {
		nan[i] = math.NaN()
	}
	return v.SetValue(annsvd.TensorOf(nan, v.Shape().DType, 1, n))
}

// TestRollbackAfterRankChange: a non-finite step right after the rank shrank rolls back
// to the state after the change (new shapes), not to the last periodic snapshot.
func TestRollbackAfterRankChange(t *testing.T) {
	hook, err := adapt.NewAdaptiveRank(30, 0.2)
	require.NoError(t, err)
	r := newRun(t, annsvd.LayerSpec{Mode: annsvd.Thin}, solve.Config{Hooks: []solve.Hook{hook, &poison{at: 31}}, RollbackEvery: 1000})
	require.NoError(t, r.AdamSteps(40))
	k := adapt.Ranks(r)[0]
	require.Less(t, k, 16)
	require.Equal(t, 1, r.Rollbacks)
	require.Equal(t, []int{1, k}, r.Ctx.InspectVariable("/net/layer_1", "s").Shape().Dimensions)
	require.Equal(t, []int{16, k}, r.Ctx.InspectVariable("/net/layer_1", "u").Shape().Dimensions)
	sigma, err := annsvd.SingularValues(r.Ctx, 1)
	require.NoError(t, err)
	for _, v := range sigma {
		require.False(t, math.IsNaN(v))
	}
	res := r.Report()
	require.Equal(t, 40, res.Step)
}

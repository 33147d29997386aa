package problems_test

import (
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/problems/ref"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/stretchr/testify/require"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

// residualOf evaluates term ti of p (seed 1) with u given as a jet of the coordinates
// (an exact solution, or the problem's Transform of a given N), in float64.
func residualOf(t *testing.T, p *annsvd.Problem, ti int, u func(x []annsvd.Jet) annsvd.Jet) []float64 {
	t.Helper()
	terms, err := p.Terms(1)
	require.NoError(t, err)
	term := terms[ti]
	d := len(p.Coords)
	args := make([]any, d)
	for j := range d {
		col := make([]float64, len(term.Points))
		for i, pt := range term.Points {
			col[i] = pt[j]
		}
		args[j] = tensors.FromFlatDataAndDimensions(col, len(col), 1)
	}
	out, err := ExecOnce(engine.MustDefault(), func(x []*Node) *Node {
		return term.Residual(x, u(annsvd.CoordJets(x, term.Derivs)), nil)
	}, args...)
	require.NoError(t, err)
	return annsvd.TensorFloat64s(out)
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func TestHelmholtzExact(t *testing.T) {
	// Finite differences: −Δu* − k²u* = f.
	const h = 1e-4
	for _, pt := range [][2]float64{{0.3, -0.2}, {-0.7, 0.55}, {0.1, 0.9}} {
		x, y := pt[0], pt[1]
		u := problems.HelmholtzExact
		lap := (u(x+h, y) + u(x-h, y) + u(x, y+h) + u(x, y-h) - 4*u(x, y)) / (h * h)
		require.InDelta(t, problems.HelmholtzSource(x, y), -lap-problems.HelmholtzK*problems.HelmholtzK*u(x, y), 1e-4*170)
	}
	p, err := problems.New("helmholtz")
	require.NoError(t, err)
	exact := func(x []annsvd.Jet) annsvd.Jet {
		return x[0].Scale(problems.HelmholtzA1 * math.Pi).Sin().Mul(x[1].Scale(problems.HelmholtzA2 * math.Pi).Sin())
	}
	require.Less(t, maxAbs(residualOf(t, p, 0, exact)), 1e-9)
	// A wrong solution has a large residual (the check can fail).
	require.Greater(t, maxAbs(residualOf(t, p, 0, func(x []annsvd.Jet) annsvd.Jet { return x[0].Scale(math.Pi).Sin().Mul(x[1].Scale(3 * math.Pi).Sin()) })), 1.0)
	// The hard constraint vanishes on the boundary.
	es, err := p.Reference()
	require.NoError(t, err)
	for i, pt := range es.Points {
		if math.Abs(pt[0]) == 1 || math.Abs(pt[1]) == 1 {
			require.InDelta(t, 0, es.U[i], 1e-12)
		}
	}
}

func TestHeatExact(t *testing.T) {
	const h = 1e-4
	a := problems.HeatAlpha
	u := func(x, t float64) float64 { return ref.HeatExact(x, t, a) }
	for _, pt := range [][2]float64{{0.3, 0.2}, {0.7, 0.55}} {
		x, tt := pt[0], pt[1]
		ut := (u(x, tt+h) - u(x, tt-h)) / (2 * h)
		uxx := (u(x+h, tt) - 2*u(x, tt) + u(x-h, tt)) / (h * h)
		require.InDelta(t, 0, ut-a*uxx, 1e-5)
	}
	p, err := problems.New("heat")
	require.NoError(t, err)
	exact := func(x []annsvd.Jet) annsvd.Jet {
		k := a * math.Pi * math.Pi
		m1 := x[1].Scale(-k).Exp().Mul(x[0].Scale(math.Pi).Sin())
		m3 := x[1].Scale(-9 * k).Exp().Mul(x[0].Scale(3 * math.Pi).Sin())
		return m1.Add(m3.Scale(0.5))
	}
	for ti := range 3 {
		require.Less(t, maxAbs(residualOf(t, p, ti, exact)), 1e-9, "term %d", ti)
	}
	wrong := func(x []annsvd.Jet) annsvd.Jet { return x[0].Scale(math.Pi).Sin().Mul(x[1].AddConst(1)) }
	require.Greater(t, maxAbs(residualOf(t, p, 0, wrong)), 0.1)
}

func TestPoissonNDExact(t *testing.T) {
	const d, h = 5, 1e-4
	x := []float64{0.1, 0.4, 0.5, 0.8, 0.95}
	lap := 0.0
	for i := range d {
		xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
		xp[i] += h
		xm[i] -= h
		lap += (problems.PoissonNDExact(xp) + problems.PoissonNDExact(xm) - 2*problems.PoissonNDExact(x)) / (h * h)
	}
	f := 0.0
	for _, v := range x {
		f += math.Pi * math.Pi / 4 * math.Sin(math.Pi*v/2)
	}
	require.InDelta(t, f, -lap, 1e-5)

	p, err := problems.PoissonND(problems.Options{Dim: d})
	require.NoError(t, err)
	require.Len(t, p.Coords, d)
	exact := func(x []annsvd.Jet) annsvd.Jet {
		u := x[0].Scale(math.Pi / 2).Sin()
		for _, xi := range x[1:] {
			u = u.Add(xi.Scale(math.Pi / 2).Sin())
		}
		return u
	}
	require.Less(t, maxAbs(residualOf(t, p, 0, exact)), 1e-9)
	require.Less(t, maxAbs(residualOf(t, p, 1, exact)), 1e-9)
	squares := func(x []annsvd.Jet) annsvd.Jet {
		u := x[0].Mul(x[0])
		for _, xi := range x[1:] {
			u = u.Add(xi.Mul(xi))
		}
		return u
	}
	require.Greater(t, maxAbs(residualOf(t, p, 0, squares)), 1.0)
	// Boundary points lie on ∂[0,1]^d.
	terms, err := p.Terms(7)
	require.NoError(t, err)
	for _, pt := range terms[1].Points {
		on := false
		for _, v := range pt {
			on = on || v == 0 || v == 1
		}
		require.True(t, on, "%v", pt)
	}
}

func TestPoissonNDBadInput(t *testing.T) {
	for _, d := range []int{-1, 202} {
		_, err := problems.PoissonND(problems.Options{Dim: d})
		require.ErrorContains(t, err, "dimension")
	}
	_, err := problems.PoissonND(problems.Options{Dim: 100, Widths: []int{4096, 4096}})
	require.ErrorContains(t, err, "dimension 100 with widths [4096 4096]")
	require.ErrorContains(t, err, "GiB limit")
	_, err = problems.PoissonND(problems.Options{Dim: 100, MaxMemory: 1 << 20})
	require.ErrorContains(t, err, "over the 0.00 GiB limit")
	e, err := problems.Get("heat")
	require.NoError(t, err)
	_, err = e.Build(problems.Options{Dim: 3})
	require.ErrorContains(t, err, "option dim 3")
	_, err = e.Preset("nope")
	require.ErrorContains(t, err, `no preset "nope"`)
	_, err = problems.Get("nope")
	require.ErrorContains(t, err, `unknown problem "nope"`)
}

func TestAllenCahnConstraintAndPeriodicity(t *testing.T) {
	e, err := problems.Get("allen-cahn")
	require.NoError(t, err)
	p, err := e.Build(problems.Options{Hard: true})
	require.NoError(t, err)
	es, err := p.Reference()
	require.NoError(t, err)
	require.Len(t, es.U, ref.AllenCahnNX*ref.AllenCahnNT)
	// t = 0 column of the spectral reference is the initial condition.
	for i, pt := range es.Points {
		if pt[1] == 0 {
			require.InDelta(t, pt[0]*pt[0]*math.Cos(math.Pi*pt[0]), es.U[i], 1e-9)
		}
	}
	// Transform(x, N) at t = 0 equals x² cos πx whatever N; a t-dependent periodic N
	// gives a zero periodicity residual, a non-periodic one does not.
	withN := func(n func(x []annsvd.Jet) annsvd.Jet) func(x []annsvd.Jet) annsvd.Jet {
		return func(x []annsvd.Jet) annsvd.Jet { return p.Transform(x, n(x)) }
	}
	periodic := func(x []annsvd.Jet) annsvd.Jet { return x[0].Scale(math.Pi).Cos().Mul(x[1].AddConst(1)) }
	require.Less(t, maxAbs(residualOf(t, p, 1, withN(periodic))), 1e-12)
	require.Greater(t, maxAbs(residualOf(t, p, 1, withN(func(x []annsvd.Jet) annsvd.Jet { return x[0] }))), 0.1)
	// The PDE residual of the initial condition alone is u_t − 10⁻⁴u_xx + 5u³ − 5u with u_t = N.
	res := residualOf(t, p, 0, withN(func(x []annsvd.Jet) annsvd.Jet { return annsvd.ConstJet(ZerosLike(x[0].V), 2) }))
	terms, err := p.Terms(1)
	require.NoError(t, err)
	for i, pt := range terms[0].Points[:50] {
		x := pt[0]
		u := x * x * math.Cos(math.Pi*x)
		uxx := 2*math.Cos(math.Pi*x) - 4*math.Pi*x*math.Sin(math.Pi*x) - math.Pi*math.Pi*x*x*math.Cos(math.Pi*x)
		require.InDelta(t, -1e-4*uxx+5*u*u*u-5*u, res[i], 1e-9)
	}
	require.Len(t, terms, 2, "the hard variant has no ic term")

	// The soft variant (the default) has no trial solution and an ic term on t = 0 whose
	// residual vanishes exactly for u = x² cos πx and is −x² cos πx for u = 0.
	soft, err := problems.New("allen-cahn")
	require.NoError(t, err)
	require.Nil(t, soft.Transform)
	st, err := soft.Terms(1)
	require.NoError(t, err)
	require.Len(t, st, 3)
	require.Equal(t, "ic", st[2].Name)
	require.Len(t, st[2].Points, problems.AllenCahnICPoints)
	ic := func(x []annsvd.Jet) annsvd.Jet { return x[0].Mul(x[0]).Mul(x[0].Scale(math.Pi).Cos()) }
	require.Less(t, maxAbs(residualOf(t, soft, 2, ic)), 1e-12)
	r0 := residualOf(t, soft, 2, func(x []annsvd.Jet) annsvd.Jet { return annsvd.ConstJet(ZerosLike(x[0].V), 2) })
	for i, pt := range st[2].Points {
		require.Zero(t, pt[1])
		require.InDelta(t, -pt[0]*pt[0]*math.Cos(math.Pi*pt[0]), r0[i], 1e-12)
	}
}

// TestBurgersHardConstraint: the hard-constraint trial solution meets the soft
// variant's boundary and initial conditions exactly whatever N, leaves only the PDE
// term, and problems without such a variant refuse the option.
func TestBurgersHardConstraint(t *testing.T) {
	e, err := problems.Get("burgers")
	require.NoError(t, err)
	hard, err := e.Build(problems.Options{Hard: true})
	require.NoError(t, err)
	soft, err := e.Build(problems.Options{})
	require.NoError(t, err)
	require.Nil(t, soft.Transform)
	terms, err := hard.Terms(1)
	require.NoError(t, err)
	require.Len(t, terms, 1)
	require.Equal(t, "pde", terms[0].Name)
	softTerms, err := soft.Terms(1)
	require.NoError(t, err)
	require.Equal(t, softTerms[0].Points, terms[0].Points)
	n := func(x []annsvd.Jet) annsvd.Jet { return x[0].Mul(x[1]).AddConst(0.7).Sin() }
	u := func(x []annsvd.Jet) annsvd.Jet { return hard.Transform(x, n(x)) }
	for ti, name := range []string{"bc", "ic"} {
		require.Equal(t, name, softTerms[ti+1].Name)
		require.Less(t, maxAbs(residualOf(t, soft, ti+1, u)), 1e-12, name)
	}
	// Without the trial solution the same N violates both conditions.
	require.Greater(t, maxAbs(residualOf(t, soft, 2, n)), 0.1)
	// The PDE residual is evaluated on the trial solution: N = 0 gives u = −sin πx and
	// u_t + u·u_x − ν·u_xx = π sin πx cos πx − νπ² sin πx.
	zero := func(x []annsvd.Jet) annsvd.Jet { return hard.Transform(x, annsvd.ConstJet(ZerosLike(x[0].V), 2)) }
	res := residualOf(t, hard, 0, zero)
	for i, pt := range terms[0].Points[:50] {
		s, c := math.Sin(math.Pi*pt[0]), math.Cos(math.Pi*pt[0])
		require.InDelta(t, math.Pi*s*c-ref.BurgersNu*math.Pi*math.Pi*s, res[i], 1e-12)
	}
	h, err := problems.Get("heat")
	require.NoError(t, err)
	_, err = h.Build(problems.Options{Hard: true})
	require.ErrorContains(t, err, "heat has no hard-constraint variant")
}

// TestBurgersPoints: Options.Points sets the interior point count (inside the
// domain; boundary and initial points unchanged), and is refused out of range or by a
// problem with a fixed point set.
func TestBurgersPoints(t *testing.T) {
	e, err := problems.Get("burgers")
	require.NoError(t, err)
	require.Equal(t, problems.BurgersDomainPoints, e.Points)
	for _, n := range []int{0, 1, 5000} {
		p, err := e.Build(problems.Options{Points: n})
		require.NoError(t, err)
		terms, err := p.Terms(1)
		require.NoError(t, err)
		want := n
		if n == 0 {
			want = problems.BurgersDomainPoints
		}
		extra := problems.BurgersBoundaryPoints + problems.BurgersInitialPoints
		require.Len(t, terms[0].Points, want+extra, "points %d", n)
		require.Len(t, terms[1].Points, problems.BurgersBoundaryPoints)
		require.Len(t, terms[2].Points, problems.BurgersInitialPoints)
		for _, pt := range terms[0].Points[extra:] {
			require.True(t, pt[0] > -1 && pt[0] < 1 && pt[1] >= 0 && pt[1] < problems.BurgersTMax, "%v", pt)
		}
	}
	for _, n := range []int{-1, problems.MaxPoints + 1} {
		_, err := e.Build(problems.Options{Points: n})
		require.ErrorContains(t, err, fmt.Sprintf("burgers interior points %d out of range [1, %d]", n, problems.MaxPoints))
	}
	h, err := problems.Get("heat")
	require.NoError(t, err)
	_, err = h.Build(problems.Options{Points: 10})
	require.ErrorContains(t, err, "heat has a fixed point set: option points 10 not accepted")
}

func TestSeededSamplingDiffers(t *testing.T) {
	for _, name := range []string{"heat", "helmholtz", "allen-cahn", "poisson-nd"} {
		p, err := problems.New(name)
		require.NoError(t, err)
		a, err := p.Terms(1)
		require.NoError(t, err)
		b, err := p.Terms(1)
		require.NoError(t, err)
		c, err := p.Terms(2)
		require.NoError(t, err)
		require.Equal(t, a[0].Points, b[0].Points, name)
		require.NotEqual(t, a[0].Points, c[0].Points, name)
	}
}

// TestTrainingLowersError trains every catalogue problem briefly with a small network
// and requires the error against its reference to drop.
func TestTrainingLowersError(t *testing.T) {
	if testing.Short() {
		t.Skip("training study skipped in -short mode")
	}
	b := engine.MustDefault()
	cases := []struct {
		name   string
		widths []int
		act    annsvd.Activation
		steps  int
		lr     float64
		factor float64
		hard   bool
	}{
		{"heat", []int{16, 16}, annsvd.ActTanh, 300, 5e-3, 0.5, false},
		{"helmholtz", []int{16, 16}, annsvd.ActSine, 300, 5e-3, 0.5, false},
		{"poisson-nd", []int{16, 16}, annsvd.ActTanh, 200, 1e-2, 0.5, false},
		{"allen-cahn", []int{16, 16}, annsvd.ActTanh, 150, 5e-3, 0.9, true},
		{"burgers", []int{16, 16}, annsvd.ActTanh, 200, 5e-3, 0.8, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := problems.Get(c.name)
			require.NoError(t, err)
			p, err := e.Build(problems.Options{Hard: c.hard})
			require.NoError(t, err)
			net := annsvd.Config{Widths: c.widths, Activation: c.act}
			r, err := solve.NewRun(b, p, net, solve.Config{LR: c.lr, Seed: 1})
			require.NoError(t, err)
			m0, _, _, err := r.Evaluate()
			require.NoError(t, err)
			require.NoError(t, r.AdamSteps(c.steps))
			m1, _, _, err := r.Evaluate()
			require.NoError(t, err)
			t.Logf("%s: rel L2 %.3e → %.3e after %d Adam steps", c.name, m0.RelL2, m1.RelL2, c.steps)
			require.Less(t, m1.RelL2, c.factor*m0.RelL2)
		})
	}
}

// TestResampleHook: the resampling hook replaces the collocation points of the named
// term with the problem's points for seed Config.Seed + step.
func TestResampleHook(t *testing.T) {
	p, err := problems.New("heat")
	require.NoError(t, err)
	h, err := solve.Resample(2, "pde")
	require.NoError(t, err)
	r, err := solve.NewRun(engine.MustDefault(), p, annsvd.Config{Widths: []int{4, 4}}, solve.Config{Seed: 5, Hooks: []solve.Hook{h}})
	require.NoError(t, err)
	before := r.Terms[0].Points
	bc := r.Terms[1].Points
	require.NoError(t, r.AdamSteps(1))
	require.Equal(t, before, r.Terms[0].Points)
	require.NoError(t, r.AdamSteps(1))
	want, err := p.Terms(5 + 2)
	require.NoError(t, err)
	require.Equal(t, want[0].Points, r.Terms[0].Points)
	require.NotEqual(t, before, r.Terms[0].Points)
	require.Equal(t, bc, r.Terms[1].Points) // not named: kept
}

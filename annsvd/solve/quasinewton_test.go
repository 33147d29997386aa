package solve

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

func minimizeDense(t *testing.T, u QNUpdate, p optimize.Problem, x0 []float64, iters int) (*optimize.Result, *DenseQN) {
	t.Helper()
	q := &DenseQN{Update: u}
	res, err := optimize.Minimize(p, x0, &optimize.Settings{MajorIterations: iters, GradientThreshold: 1e-13}, q)
	require.NoError(t, err, "%s", u)
	return res, q
}

// TestDenseQNRosenbrock: every dense method minimises the extended Rosenbrock
// function (n = 10, from the classical start) to 1e-10 of its minimum x = 1.
func TestDenseQNRosenbrock(t *testing.T) {
	f := functions.ExtendedRosenbrock{}
	for _, u := range []QNUpdate{QNBFGS, QNSSBFGS, QNSSBroyden} {
		x0 := make([]float64, 10)
		for i := range x0 {
			x0[i] = -1.2
			if i%2 == 1 {
				x0[i] = 1
			}
		}
		res, q := minimizeDense(t, u, optimize.Problem{Func: f.Func, Grad: f.Grad}, x0, 2000)
		for i, x := range res.X {
			require.InDelta(t, 1, x, 1e-10, "%s: x[%d] after %d iterations (%v)", u, i, res.Stats.MajorIterations, res.Status)
		}
		require.Less(t, res.F, 1e-20, "%s", u)
		require.Positive(t, q.Updates)
		t.Logf("%s: %d iterations, %d evaluations, %d updates, %d skipped", u, res.Stats.MajorIterations, res.Stats.FuncEvaluations, q.Updates, q.Skipped)
	}
}

// TestDenseQNLeastSquares: a small ill-conditioned linear least-squares problem
// ½‖A x − b‖² (30×12, singular values spread over 10³) is solved to 1e-10 relative
// in x, and a dense method does it in about p iterations (exact line searches of a
// quadratic would take p; strong Wolfe ones a few more).
func TestDenseQNLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, n := 30, 12
	a := make([]float64, m*n)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for j := 0; j < n; j++ { // spread the column scales: condition ~ 10³
		for i := 0; i < m; i++ {
			a[i*n+j] *= math.Pow(10, 1.5*float64(j)/float64(n-1))
		}
	}
	want := make([]float64, n)
	for i := range want {
		want[i] = rng.NormFloat64()
	}
	b := make([]float64, m)
	for i := 0; i < m; i++ {
		b[i] = floats.Dot(a[i*n:i*n+n], want)
	}
	resid := func(x []float64) []float64 {
		r := make([]float64, m)
		for i := range r {
			r[i] = floats.Dot(a[i*n:i*n+n], x) - b[i]
		}
		return r
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { r := resid(x); return 0.5 * floats.Dot(r, r) },
		Grad: func(g, x []float64) {
			r := resid(x)
			clear(g)
			for i := 0; i < m; i++ {
				floats.AddScaled(g, r[i], a[i*n:i*n+n])
			}
		},
	}
	for _, u := range []QNUpdate{QNBFGS, QNSSBFGS, QNSSBroyden} {
		res, _ := minimizeDense(t, u, p, make([]float64, n), 500)
		d := make([]float64, n)
		floats.SubTo(d, res.X, want)
		require.Less(t, floats.Norm(d, 2)/floats.Norm(want, 2), 1e-10, "%s after %d iterations (%v)", u, res.Stats.MajorIterations, res.Status)
		require.Less(t, res.Stats.MajorIterations, 10*n, "%s", u)
	}
}

// TestDenseQNUpdateIsTheFormula checks one update against the family's formula
// written out with matrices (and the secant equation H₊ y = s, which every member
// satisfies).
func TestDenseQNUpdateIsTheFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 6
	for _, u := range []QNUpdate{QNBFGS, QNSSBFGS, QNSSBroyden} {
		q := &DenseQN{Update: u}
		x := make([]float64, n)
		g := make([]float64, n)
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		dir := make([]float64, n)
		q.InitDirection(&optimize.Location{X: x, Gradient: g}, dir)
		q.fresh = false // H = I exactly, so the formula is easy to write out
		alpha := 0.3
		s := make([]float64, n)
		floats.ScaleTo(s, alpha, dir)
		y := make([]float64, n)
		for i := range y { // a "Hessian" diag(0.1…0.6) plus noise: b > 1, so τ < 1
			y[i] = 0.1*float64(i+1)*s[i] + 0.001*rng.NormFloat64()
		}
		q.update(s, y)
		hy := make([]float64, n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				hy[i] += q.at(i, j) * y[j]
			}
		}
		for i := range hy {
			require.InDelta(t, s[i], hy[i], 1e-12, "%s: secant equation", u)
		}
		require.Equal(t, 1, q.Updates)
		// The unexpanded formula with H = I, τ and φ computed here from their definitions.
		sy, yy := floats.Dot(s, y), floats.Dot(y, y)
		h, b := yy/sy, -alpha*floats.Dot(s, g)/sy
		a := b*h - 1
		tau, phi := 1.0, 1.0
		switch u {
		case QNSSBFGS:
			tau = math.Min(1, 1/b)
		case QNSSBroyden:
			c := math.Sqrt(a / (1 + a))
			rm := math.Min(1, h*(1-c))
			theta := math.Max((rm-1)/a, math.Min(1/rm, (1-b)/b))
			sigma := 1 + a*theta
			sn := math.Pow(sigma, 1/(1-float64(n)))
			if theta <= 0 {
				tau = math.Min(math.Min(1, 1/b)*sn, sigma)
			} else {
				tau = math.Min(1, 1/b) * math.Min(sn, 1/theta)
			}
			phi = (1 - theta) / sigma
			require.NotEqual(t, 1.0, phi, "this case must exercise φ ≠ 1")
		}
		if u != QNBFGS {
			require.NotEqual(t, 1.0, tau, "%s: this case must exercise τ ≠ 1", u)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				wi, wj := s[i]/sy-y[i]/yy, s[j]/sy-y[j]/yy
				id := 0.0
				if i == j {
					id = 1
				}
				want := (id-y[i]*y[j]/yy+phi*yy*wi*wj)/tau + s[i]*s[j]/sy
				require.InDelta(t, want, q.at(i, j), 1e-12, "%s: H₊[%d][%d]", u, i, j)
			}
		}
	}
}

// at returns H[i][j] from the upper triangle.
func (q *DenseQN) at(i, j int) float64 {
	if i > j {
		i, j = j, i
	}
	return q.h.Data[i*q.n+j]
}

package ref

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGaussHermiteMoments(t *testing.T) {
	sqrtPi := math.Sqrt(math.Pi)
	// n = 2: nodes ±1/√2, weights √π/2 (closed form).
	z, lw, err := GaussHermite(2)
	require.NoError(t, err)
	require.InDelta(t, -1/math.Sqrt2, z[0], 1e-15)
	require.InDelta(t, 1/math.Sqrt2, z[1], 1e-15)
	require.InDelta(t, sqrtPi/2, math.Exp(lw[0]), 1e-15)
	require.InDelta(t, sqrtPi/2, math.Exp(lw[1]), 1e-15)

	for _, n := range []int{3, 7, 20, 160, 400, 640} {
		z, lw, err := GaussHermite(n)
		require.NoError(t, err)
		require.Len(t, z, n)
		var m0, m2, m4, mc float64
		for k := range z {
			w := math.Exp(lw[k])
			m0 += w
			m2 += w * z[k] * z[k]
			m4 += w * math.Pow(z[k], 4)
			mc += w * math.Cos(z[k])
			if k > 0 {
				require.Greater(t, z[k], z[k-1], "nodes ascending")
			}
			require.Equal(t, z[k], -z[n-1-k], "nodes antisymmetric")
		}
		// ∫e^{−z²} = √π, ∫z²e^{−z²} = √π/2, ∫z⁴e^{−z²} = 3√π/4 (exact for n ≥ 3).
		require.InDelta(t, sqrtPi, m0, 1e-13, "n=%d", n)
		require.InDelta(t, sqrtPi/2, m2, 1e-13, "n=%d", n)
		require.InDelta(t, 3*sqrtPi/4, m4, 1e-12, "n=%d", n)
		if n >= 20 {
			// ∫cos(z)e^{−z²} dz = √π·e^{−1/4}.
			require.InDelta(t, sqrtPi*math.Exp(-0.25), mc, 1e-13, "n=%d", n)
		}
	}
	for _, n := range []int{-1, 0, 1, MaxQuadratureOrder + 1} {
		_, _, err := GaussHermite(n)
		require.ErrorContains(t, err, "out of range [2, 2000]")
	}
}

// TestBurgersQuadratureOrderStudy doubles the Gauss–Hermite order on the
// DeepXDE 256×100 grid and checks that DefaultBurgersOrder is the first
// order of the sequence whose doubling changes no value by more than 10⁻¹⁰.
func TestBurgersQuadratureOrderStudy(t *testing.T) {
	orders := []int{20, 40, 80, 160, 320}
	grids := make([]*Grid2D, len(orders))
	for k, o := range orders {
		g, err := BurgersGrid(BurgersNX, BurgersNT, BurgersTMax, BurgersNu, o)
		require.NoError(t, err)
		grids[k] = g
	}
	deltas := make([]float64, len(orders)-1)
	for k := range deltas {
		deltas[k] = maxAbsDiff(grids[k], grids[k+1])
		t.Logf("order %3d → %3d: max|Δu| = %.3e", orders[k], orders[k+1], deltas[k])
	}
	// Monotone decrease until round-off is reached.
	for k := 1; k < len(deltas); k++ {
		if deltas[k-1] > 1e-12 {
			require.Less(t, deltas[k], deltas[k-1])
		}
	}
	chosen := 0
	for k, d := range deltas {
		if d <= 1e-10 {
			chosen = orders[k]
			break
		}
	}
	require.Equal(t, DefaultBurgersOrder, chosen)
}

func maxAbsDiff(a, b *Grid2D) float64 {
	m := 0.0
	for i := range a.U {
		for j := range a.U[i] {
			m = math.Max(m, math.Abs(a.U[i][j]-b.U[i][j]))
		}
	}
	return m
}

func burgers(t *testing.T, x, tt float64) float64 {
	u, err := BurgersColeHopf(x, tt, BurgersNu, DefaultBurgersOrder)
	require.NoError(t, err)
	return u
}

// TestBurgersPDEResidual checks u_t + u·u_x − ν·u_xx ≈ 0 with central
// differences of the reference, relative to the largest of the three terms.
func TestBurgersPDEResidual(t *testing.T) {
	nu := BurgersNu
	cases := []struct {
		x, t, h, tol float64
	}{
		// Smooth region: h = 10⁻⁴.
		{0.5, 0.3, 1e-4, 1e-6},
		{-0.3, 0.7, 1e-4, 1e-6},
		{0.8, 0.95, 1e-4, 1e-6},
		{0.2, 0.1, 1e-4, 1e-6},
		{-0.9, 0.5, 1e-4, 1e-6},
		// Inside the shock layer (width ≈ 0.01 for t ≳ 0.5): h = 10⁻⁵.
		{0.005, 0.6, 1e-5, 1e-5},
		{-0.01, 0.9, 1e-5, 1e-5},
		{0.002, 0.51, 1e-5, 1e-5},
	}
	for _, c := range cases {
		u := burgers(t, c.x, c.t)
		up, um := burgers(t, c.x+c.h, c.t), burgers(t, c.x-c.h, c.t)
		ut := (burgers(t, c.x, c.t+c.h) - burgers(t, c.x, c.t-c.h)) / (2 * c.h)
		ux := (up - um) / (2 * c.h)
		uxx := (up - 2*u + um) / (c.h * c.h)
		scale := math.Max(math.Abs(ut), math.Max(math.Abs(u*ux), math.Abs(nu*uxx)))
		res := ut + u*ux - nu*uxx
		t.Logf("x=%6.3f t=%4.2f: |u_t|=%.3e |u·u_x|=%.3e |ν·u_xx|=%.3e  relative residual %.2e", c.x, c.t, math.Abs(ut), math.Abs(u*ux), math.Abs(nu*uxx), math.Abs(res)/scale)
		require.Less(t, math.Abs(res)/scale, c.tol, "x=%g t=%g", c.x, c.t)
	}
}

// TestBurgersBasdevantPeakSlope reproduces the classical benchmark value of
// Basdevant et al. (1986, Computers & Fluids 14, 23–41): for ν = 0.01/π the
// maximum over t of |∂u/∂x(0, t)| is 152.00516, reached at t = 1.6037/π.
func TestBurgersBasdevantPeakSlope(t *testing.T) {
	const h = 1e-6
	slope := func(tt float64) float64 {
		return math.Abs(burgers(t, h, tt)-burgers(t, -h, tt)) / (2 * h)
	}
	// Golden-section search on [0.50, 0.52].
	lo, hi := 0.50, 0.52
	gr := (math.Sqrt(5) - 1) / 2
	c, d := hi-gr*(hi-lo), lo+gr*(hi-lo)
	fc, fd := slope(c), slope(d)
	for hi-lo > 1e-8 {
		if fc > fd {
			hi, d, fd = d, c, fc
			c = hi - gr*(hi-lo)
			fc = slope(c)
		} else {
			lo, c, fc = c, d, fd
			d = lo + gr*(hi-lo)
			fd = slope(d)
		}
	}
	tMax := (lo + hi) / 2
	peak := slope(tMax)
	t.Logf("max |u_x(0,t)| = %.8f at t = %.7f (π·t = %.5f)", peak, tMax, math.Pi*tMax)
	require.InEpsilon(t, 152.00516, peak, 1e-6)
	require.InDelta(t, 1.6037, math.Pi*tMax, 5e-4)
}

func TestBurgersBoundaryAndSymmetry(t *testing.T) {
	for _, tt := range []float64{0, 0.01, 0.25, 0.5, 0.99} {
		require.InDelta(t, 0, burgers(t, 1, tt), 1e-13)
		require.InDelta(t, 0, burgers(t, -1, tt), 1e-13)
		require.InDelta(t, 0, burgers(t, 0, tt), 1e-16)
		for _, x := range []float64{0.001, 0.0123, 0.1, 0.37, 0.5, 0.77, 0.999} {
			require.InDelta(t, -burgers(t, x, tt), burgers(t, -x, tt), 1e-14, "x=%g t=%g", x, tt)
		}
	}
}

func TestBurgersInitialCondition(t *testing.T) {
	for _, x := range []float64{-1, -0.73, -0.2, 0, 0.31, 0.5, 1} {
		require.Equal(t, -math.Sin(math.Pi*x), burgers(t, x, 0))
		// u(x, τ) = u₀ + τ·u_t + O(τ²), u_t = −u₀u₀′ + νu₀″.
		const tau = 1e-6
		u0, d1, d2 := -math.Sin(math.Pi*x), -math.Pi*math.Cos(math.Pi*x), math.Pi*math.Pi*math.Sin(math.Pi*x)
		require.InDelta(t, u0+tau*(-u0*d1+BurgersNu*d2), burgers(t, x, tau), 1e-10, "x=%g", x)
	}
	// Far from the shock the solution decays smoothly: at x = ±0.5 the
	// value at t = 0.99 lies strictly inside (−1, 0) resp. (0, 1).
	u := burgers(t, -0.5, 0.99)
	require.Greater(t, u, 0.0)
	require.Less(t, u, 1.0)
}

func TestBurgersGridLayout(t *testing.T) {
	g, err := BurgersGrid(BurgersNX, BurgersNT, BurgersTMax, BurgersNu, DefaultBurgersOrder)
	require.NoError(t, err)
	require.Len(t, g.X, 256)
	require.Len(t, g.T, 100)
	require.Len(t, g.U, 256)
	require.Len(t, g.U[0], 100)
	require.Equal(t, -1.0, g.X[0])
	require.Equal(t, 1.0, g.X[255])
	require.InDelta(t, 2.0/255, g.X[1]-g.X[0], 1e-15)
	require.Equal(t, 0.0, g.T[0])
	require.Equal(t, 0.99, g.T[99])
	require.InDelta(t, 0.01, g.T[1], 1e-16)
	for _, ij := range [][2]int{{0, 0}, {17, 3}, {127, 99}, {128, 50}, {255, 99}} {
		require.Equal(t, burgers(t, g.X[ij[0]], g.T[ij[1]]), g.U[ij[0]][ij[1]])
	}
	xs, ts, us := g.Points()
	require.Len(t, xs, 256*100)
	k := 37*100 + 11
	require.Equal(t, g.X[37], xs[k])
	require.Equal(t, g.T[11], ts[k])
	require.Equal(t, g.U[37][11], us[k])
}

func TestBurgersErrors(t *testing.T) {
	_, err := BurgersColeHopf(1.5, 0.1, BurgersNu, 100)
	require.ErrorContains(t, err, "x = 1.5 out of range [-1, 1]")
	_, err = BurgersColeHopf(0.5, -0.1, BurgersNu, 100)
	require.ErrorContains(t, err, "t = -0.1 out of range")
	_, err = BurgersColeHopf(0.5, 0.1, 0, 100)
	require.ErrorContains(t, err, "nu = 0 out of range")
	_, err = BurgersColeHopf(0.5, 0.1, BurgersNu, 0)
	require.ErrorContains(t, err, "quadrature order 0 out of range [2, 2000]")
	_, err = BurgersColeHopf(math.NaN(), 0.1, BurgersNu, 100)
	require.Error(t, err)
	_, err = BurgersGrid(1, 10, 1, BurgersNu, 100)
	require.ErrorContains(t, err, "nx = 1 out of range")
	_, err = BurgersGrid(10, 0, 1, BurgersNu, 100)
	require.ErrorContains(t, err, "nt = 0 out of range")
	_, err = BurgersGrid(10, 10, -1, BurgersNu, 100)
	require.ErrorContains(t, err, "tMax = -1 out of range")
}

package ref

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// maxDiffSampled compares a and b on the points of the coarser grid a, b
// having stride times as many x-points.
func maxDiffSampled(a, b *Grid2D, stride int) float64 {
	m := 0.0
	for i := range a.X {
		for j := range a.T {
			m = math.Max(m, math.Abs(a.U[i][j]-b.U[i*stride][j]))
		}
	}
	return m
}

// TestAllenCahnTimeConvergence halves dt at fixed nx = 512: successive
// differences must shrink by ≈ 2⁴ = 16 (fourth order) until round-off.
func TestAllenCahnTimeConvergence(t *testing.T) {
	tOut := []float64{0.25, 0.5, 1}
	dts := []float64{0.01, 0.005, 0.0025, 0.00125, 0.000625}
	grids := make([]*Grid2D, len(dts))
	for k, dt := range dts {
		g, err := AllenCahn(512, dt, tOut)
		require.NoError(t, err)
		grids[k] = g
	}
	prev := 0.0
	for k := 1; k < len(dts); k++ {
		d := maxDiffSampled(grids[k-1], grids[k], 1)
		ratio := prev / d
		t.Logf("dt %.6f → %.6f: max|Δu| = %.3e, ratio %.2f", dts[k-1], dts[k], d, ratio)
		if k >= 2 {
			require.Greater(t, ratio, 13.0)
			require.Less(t, ratio, 24.0)
		}
		prev = d
	}
	require.Less(t, prev, 1e-9)
}

// TestAllenCahnSpaceConvergence refines nx at dt = 2.5·10⁻³ (the time error
// is the same for all nx, so differences measure the spatial error) and
// compares with
// nx = 8192 at t = 0.005 (kink of the initial condition barely smoothed),
// t = 0.1 and t = 1: the error must fall faster than any power of nx.
func TestAllenCahnSpaceConvergence(t *testing.T) {
	t.Parallel()
	tOut := []float64{0.005, 0.1, 1}
	const dt = 2.5e-3
	ref, err := AllenCahn(8192, dt, tOut)
	require.NoError(t, err)
	nxs := []int{256, 512, 1024, 2048, 4096}
	errs := make([][]float64, len(nxs))
	for k, nx := range nxs {
		g, err := AllenCahn(nx, dt, tOut)
		require.NoError(t, err)
		stride := 8192 / nx
		errs[k] = make([]float64, len(tOut))
		for i := range g.X {
			for j := range tOut {
				errs[k][j] = math.Max(errs[k][j], math.Abs(g.U[i][j]-ref.U[i*stride][j]))
			}
		}
		t.Logf("nx %4d: max error t=0.005: %.2e  t=0.1: %.2e  t=1: %.2e", nx, errs[k][0], errs[k][1], errs[k][2])
	}
	// At t = 1 the error drops by ≥ 10² per doubling until round-off
	// (algebraic second order would give only 4).
	for k := 1; k < len(nxs); k++ {
		if errs[k-1][2] > 1e-11 {
			require.Less(t, errs[k][2], errs[k-1][2]/100, "nx=%d", nxs[k])
		}
	}
	require.Less(t, errs[len(nxs)-1][0], 1e-10)   // 4096 modes at t = 0.005
	require.Greater(t, errs[len(nxs)-2][0], 1e-8) // 2048 modes are not enough there
	require.Less(t, errs[len(nxs)-1][2], 1e-11)
}

// TestAllenCahnGridConverged compares the default grid with a solution on
// twice as many modes and half the time step, and checks its layout and
// range.
func TestAllenCahnGridConverged(t *testing.T) {
	t.Parallel()
	start := time.Now()
	g, err := AllenCahnGrid()
	require.NoError(t, err)
	t.Logf("AllenCahnGrid took %v", time.Since(start))
	require.Len(t, g.X, 512)
	require.Len(t, g.T, 201)
	require.Len(t, g.U, 512)
	require.Len(t, g.U[0], 201)
	require.Equal(t, -1.0, g.X[0])
	require.InDelta(t, 1-2.0/512, g.X[511], 1e-15)
	require.Equal(t, 0.0, g.T[0])
	require.Equal(t, 1.0, g.T[200])
	require.InDelta(t, 0.005, g.T[1], 1e-16)
	for i, x := range g.X {
		require.Equal(t, x*x*math.Cos(math.Pi*x), g.U[i][0])
		for j := range g.T {
			require.LessOrEqual(t, math.Abs(g.U[i][j]), 1.01)
		}
	}
	// Symmetry: u₀ is even, so u(−x, t) = u(x, t); X[512−i] = −X[i].
	for i := 1; i < 256; i++ {
		for j := range g.T {
			require.InDelta(t, g.U[i][j], g.U[512-i][j], 1e-12)
		}
	}
	// The classical picture at t = 1 (interfaces at the zeros x = ±0.5 of
	// u₀): u ≈ −1 for |x| > 0.5, u ≈ +1 on the plateaus around x = ±0.25,
	// and at x = 0 (u₀ = x²cos(πx) ≥ 0 nearby, u = 0 unstable) a small
	// positive value that has grown only slowly.
	t.Logf("u(t=1) at x = -0.75, -0.5, -0.25, 0: %.4f %.4f %.4f %.4f", g.U[64][200], g.U[128][200], g.U[192][200], g.U[256][200])
	for _, i := range []int{0, 64, 448} {
		require.InDelta(t, -1, g.U[i][200], 1e-3)
	}
	for _, i := range []int{192, 320} {
		require.InDelta(t, 1, g.U[i][200], 0.02)
	}
	require.InDelta(t, 0, g.U[128][200], 0.1)
	require.Greater(t, g.U[256][200], 0.0)
	require.Less(t, g.U[256][200], 0.1)

	if testing.Short() {
		t.Skip("skipping the 8192-mode comparison in -short mode")
	}
	fine, err := allenCahn(2*AllenCahnSolveNX, 2*AllenCahnSolveNX/AllenCahnNX, AllenCahnDt/2, g.T)
	require.NoError(t, err)
	d := maxDiffSampled(g, fine, 1)
	t.Logf("default grid vs 8192 modes, dt/2: max|Δu| = %.2e", d)
	require.Less(t, d, 1e-8)
}

// spectralUxx returns u_xx at x from samples of a periodic function on the
// grid x_j = −1 + 2j/n by a direct (O(n²)) trigonometric interpolant,
// independent of the FFT used by the solver.
func spectralUxx(u []float64, x float64) float64 {
	n := len(u)
	sum := 0.0
	for m := 1; m <= n/2; m++ {
		var a, b float64 // cosine and sine coefficients of mode m
		for j, v := range u {
			xj := -1 + 2*float64(j)/float64(n)
			s, c := math.Sincos(math.Pi * float64(m) * xj)
			a += v * c
			b += v * s
		}
		f := 2.0 / float64(n)
		if m == n/2 {
			f, b = 1.0/float64(n), 0
		}
		k := math.Pi * float64(m)
		s, c := math.Sincos(k * x)
		sum += -k * k * f * (a*c + b*s)
	}
	return sum
}

// TestAllenCahnPDEResidual checks u_t = 10⁻⁴·u_xx + 5u − 5u³ at a few
// points: u_t from a five-point central difference in time of the computed
// solution, u_xx from an independent direct trigonometric interpolant.
func TestAllenCahnPDEResidual(t *testing.T) {
	t.Parallel()
	const nx, dt, dlt = 1024, 5e-4, 2e-3
	centres := []float64{0.2, 0.6, 0.95}
	var tOut []float64
	for _, tc := range centres {
		for k := -2; k <= 2; k++ {
			tOut = append(tOut, tc+float64(k)*dlt)
		}
	}
	g, err := AllenCahn(nx, dt, tOut)
	require.NoError(t, err)
	for c, tc := range centres {
		col := make([]float64, nx)
		for i := range col {
			col[i] = g.U[i][5*c+2]
		}
		for _, i := range []int{37, 200, 300, 400, 512, 700} {
			u := g.U[i][5*c : 5*c+5]
			ut := (-u[4] + 8*u[3] - 8*u[1] + u[0]) / (12 * dlt)
			rhs := AllenCahnD*spectralUxx(col, g.X[i]) + 5*u[2] - 5*u[2]*u[2]*u[2]
			scale := math.Max(math.Abs(ut), math.Max(math.Abs(rhs), 1e-2))
			t.Logf("t=%.2f x=%+.4f: u=%+.5f u_t=%+.4e rhs=%+.4e rel.res %.1e", tc, g.X[i], u[2], ut, rhs, math.Abs(ut-rhs)/scale)
			require.Less(t, math.Abs(ut-rhs)/scale, 1e-6, "t=%g x=%g", tc, g.X[i])
		}
	}
}

func TestAllenCahnErrors(t *testing.T) {
	_, err := AllenCahn(6, 1e-3, []float64{1})
	require.ErrorContains(t, err, "nx = 6 out of range")
	_, err = AllenCahn(513, 1e-3, []float64{1})
	require.ErrorContains(t, err, "nx = 513 out of range")
	_, err = AllenCahn(64, 0, []float64{1})
	require.ErrorContains(t, err, "dt = 0 out of range (0, 0.1]")
	_, err = AllenCahn(64, 1e-3, nil)
	require.ErrorContains(t, err, "tOut is empty")
	_, err = AllenCahn(64, 1e-3, []float64{-0.5})
	require.ErrorContains(t, err, "tOut[0] = -0.5 out of range")
	_, err = AllenCahn(64, 1e-3, []float64{0.5, 0.5})
	require.ErrorContains(t, err, "tOut[1] = 0.5 out of range")
}

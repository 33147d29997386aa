package ref

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInterp2D(t *testing.T) {
	// Bilinear interpolation reproduces a + b·x + c·t + d·x·t exactly.
	f := func(x, t float64) float64 { return 0.3 - 1.7*x + 2.2*t + 0.9*x*t }
	g := &Grid2D{X: []float64{-1, -0.2, 0.5, 1}, T: []float64{0, 0.1, 0.4}}
	g.U = make([][]float64, len(g.X))
	for i, x := range g.X {
		for _, tt := range g.T {
			g.U[i] = append(g.U[i], f(x, tt))
		}
	}
	for _, p := range [][2]float64{{-1, 0}, {1, 0.4}, {0.1, 0.05}, {-0.6, 0.33}, {0.5, 0.1}, {0.99, 0.01}} {
		u, err := Interp2D(g, p[0], p[1])
		require.NoError(t, err)
		require.InDelta(t, f(p[0], p[1]), u, 1e-14, "at %v", p)
	}
	// Not exact for a quadratic: the cell midpoint error of x² is h²/4.
	q := &Grid2D{X: []float64{0, 1}, T: []float64{0, 1}, U: [][]float64{{0, 0}, {1, 1}}}
	u, err := Interp2D(q, 0.5, 0.5)
	require.NoError(t, err)
	require.InDelta(t, 0.25+0.25, u, 1e-15)

	_, err = Interp2D(g, 1.5, 0.1)
	require.ErrorContains(t, err, "x = 1.5 out of range [-1, 1]")
	_, err = Interp2D(g, 0, -0.1)
	require.ErrorContains(t, err, "t = -0.1 out of range [0, 0.4]")
	_, err = Interp2D(&Grid2D{X: []float64{0}, T: []float64{0, 1}}, 0, 0)
	require.ErrorContains(t, err, "1×2")
	_, err = Interp2D(nil, 0, 0)
	require.Error(t, err)
}

func TestLinspaceMatchesNumpy(t *testing.T) {
	// numpy.linspace(0, 0.99, 100)[1:4] and numpy.linspace(-1, 1, 256)[1].
	v := linspace(0, 0.99, 100)
	require.Equal(t, 0.01, v[1])
	require.Equal(t, 0.02, v[2])
	require.Equal(t, 0.03, v[3])
	require.Equal(t, 0.99, v[99])
	x := linspace(-1, 1, 256)
	require.Equal(t, -0.9921568627450981, x[1])
	require.Equal(t, 1.0, x[255])
}

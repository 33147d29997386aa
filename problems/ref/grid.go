package ref

import (
	"fmt"
	"math"
)

// Grid2D is a reference solution on a tensor grid: U[i][j] = u(X[i], T[j]).
// X and T are strictly increasing. The layout matches DeepXDE's reference
// files (usol[x_index][t_index]), so len(U) == len(X) and
// len(U[i]) == len(T) for every i.
type Grid2D struct {
	X, T []float64
	U    [][]float64
}

// Points flattens the grid in x-major order: the k-th entry, with
// k = i·len(T) + j, is (X[i], T[j], U[i][j]).
func (g *Grid2D) Points() (xs, ts, us []float64) {
	n := len(g.X) * len(g.T)
	xs = make([]float64, 0, n)
	ts = make([]float64, 0, n)
	us = make([]float64, 0, n)
	for i, x := range g.X {
		for j, t := range g.T {
			xs = append(xs, x)
			ts = append(ts, t)
			us = append(us, g.U[i][j])
		}
	}
	return xs, ts, us
}

// Interp2D evaluates the grid reference at (x, t) by bilinear interpolation
// of the four surrounding grid values. It returns an error when the grid is
// malformed (fewer than two nodes per axis, or U not shaped len(X)×len(T))
// or when x ∉ [X[0], X[len(X)−1]] or t ∉ [T[0], T[len(T)−1]]. Periodic grids
// such as the Allen–Cahn one, whose X stops one spacing short of the right
// end, are not wrapped.
func Interp2D(g *Grid2D, x, t float64) (float64, error) {
	if g == nil {
		return 0, fmt.Errorf("ref: Interp2D grid is nil")
	}
	nx, nt := len(g.X), len(g.T)
	if nx < 2 || nt < 2 {
		return 0, fmt.Errorf("ref: Interp2D grid is %d×%d, need at least 2×2", nx, nt)
	}
	if len(g.U) != nx {
		return 0, fmt.Errorf("ref: Interp2D grid has %d rows in U, want len(X) = %d", len(g.U), nx)
	}
	if !(x >= g.X[0] && x <= g.X[nx-1]) {
		return 0, fmt.Errorf("ref: Interp2D x = %g out of range [%g, %g]", x, g.X[0], g.X[nx-1])
	}
	if !(t >= g.T[0] && t <= g.T[nt-1]) {
		return 0, fmt.Errorf("ref: Interp2D t = %g out of range [%g, %g]", t, g.T[0], g.T[nt-1])
	}
	i := cell(g.X, x)
	j := cell(g.T, t)
	if len(g.U[i]) != nt || len(g.U[i+1]) != nt {
		return 0, fmt.Errorf("ref: Interp2D grid row %d has %d columns, want len(T) = %d", i, len(g.U[i]), nt)
	}
	a := (x - g.X[i]) / (g.X[i+1] - g.X[i])
	b := (t - g.T[j]) / (g.T[j+1] - g.T[j])
	u00, u01 := g.U[i][j], g.U[i][j+1]
	u10, u11 := g.U[i+1][j], g.U[i+1][j+1]
	return (1-a)*((1-b)*u00+b*u01) + a*((1-b)*u10+b*u11), nil
}

// cell returns i with v[i] ≤ y ≤ v[i+1], 0 ≤ i ≤ len(v)−2, for y inside
// [v[0], v[len(v)−1]].
func cell(v []float64, y float64) int {
	lo, hi := 0, len(v)-1
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if v[mid] <= y {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// linspace returns n ≥ 2 equally spaced values from a to b inclusive,
// computed as numpy.linspace does: a + i·((b − a)/(n − 1)), with the last
// value set to b exactly.
func linspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	step := (b - a) / float64(n-1)
	for i := range v {
		v[i] = float64(i)*step + a
	}
	v[n-1] = b
	return v
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

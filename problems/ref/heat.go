package ref

import "math"

// HeatExact returns the exact solution of the heat equation u_t = α·u_xx on
// x ∈ [0, 1] with u(0, t) = u(1, t) = 0 and the two-mode initial condition
// u(x, 0) = sin(πx) + 0.5·sin(3πx):
//
//	u(x, t) = e^{−απ²t}·sin(πx) + 0.5·e^{−9απ²t}·sin(3πx).
//
// It is defined for every real x and t (the formula is simply evaluated);
// the physical problem uses x ∈ [0, 1], t ≥ 0, α > 0.
func HeatExact(x, t, alpha float64) float64 {
	k := alpha * math.Pi * math.Pi * t
	return math.Exp(-k)*math.Sin(math.Pi*x) + 0.5*math.Exp(-9*k)*math.Sin(3*math.Pi*x)
}

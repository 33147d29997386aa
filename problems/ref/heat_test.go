package ref

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHeatExact(t *testing.T) {
	for _, alpha := range []float64{0.01, 0.1, 0.4} {
		// Initial and boundary conditions.
		for _, x := range []float64{0, 0.1, 0.25, 0.5, 0.9, 1} {
			want := math.Sin(math.Pi*x) + 0.5*math.Sin(3*math.Pi*x)
			require.InDelta(t, want, HeatExact(x, 0, alpha), 1e-15)
		}
		for _, tt := range []float64{0, 0.1, 0.5, 2} {
			require.InDelta(t, 0, HeatExact(0, tt, alpha), 1e-15)
			require.InDelta(t, 0, HeatExact(1, tt, alpha), 1e-15)
		}
		// PDE residual u_t − α·u_xx by central differences (h = 10⁻⁴).
		const h = 1e-4
		for _, x := range []float64{0.13, 0.37, 0.5, 0.81} {
			for _, tt := range []float64{0.05, 0.3, 1} {
				ut := (HeatExact(x, tt+h, alpha) - HeatExact(x, tt-h, alpha)) / (2 * h)
				uxx := (HeatExact(x+h, tt, alpha) - 2*HeatExact(x, tt, alpha) + HeatExact(x-h, tt, alpha)) / (h * h)
				// Sum of the magnitudes of the two modes' u_t contributions.
				k := alpha * math.Pi * math.Pi
				scale := k * (math.Exp(-k*tt) + 4.5*math.Exp(-9*k*tt))
				require.Less(t, math.Abs(ut-alpha*uxx)/scale, 1e-5, "alpha=%g x=%g t=%g", alpha, x, tt)
			}
		}
	}
	// Mode decay: at x = 1/2, sin(3π/2) = −1, so u = e^{−απ²t} − 0.5·e^{−9απ²t}.
	require.InDelta(t, math.Exp(-0.1*math.Pi*math.Pi)-0.5*math.Exp(-0.9*math.Pi*math.Pi), HeatExact(0.5, 1, 0.1), 1e-15)
}

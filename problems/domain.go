package problems

import (
	"fmt"
	"math/rand/v2"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems/sampling"
)

// SpaceTime is the space–time box [X0, X1] × [T0, T1] of a 1-D evolution problem, with
// the point sets a PINN needs: interior collocation points, points on the two spatial
// boundaries and on the initial line, all seeded shifted-Hammersley sets (a different
// low-discrepancy set per seed), and a reference grid.
type SpaceTime struct{ X0, X1, T0, T1 float64 }

// Interior returns n points (x, t) inside the box (seed used as given).
func (d SpaceTime) Interior(seed uint64, n int) ([][]float64, error) {
	return ShiftedHammersley(seed, n, []float64{d.X0, d.T0}, []float64{d.X1, d.T1})
}

// Boundary returns n points on the spatial boundary, alternating x = X0 and x = X1, at
// times from a shifted Hammersley set of seed+1.
func (d SpaceTime) Boundary(seed uint64, n int) ([][]float64, error) {
	ts, err := ShiftedHammersley(seed+1, n, []float64{d.T0}, []float64{d.T1})
	if err != nil {
		return nil, err
	}
	pts := make([][]float64, len(ts))
	for i, p := range ts {
		pts[i] = []float64{d.X0 + float64(i%2)*(d.X1-d.X0), p[0]}
	}
	return pts, nil
}

// Initial returns n points on the initial line t = T0, at positions from a shifted
// Hammersley set of seed+2.
func (d SpaceTime) Initial(seed uint64, n int) ([][]float64, error) {
	xs, err := ShiftedHammersley(seed+2, n, []float64{d.X0}, []float64{d.X1})
	if err != nil {
		return nil, err
	}
	pts := make([][]float64, len(xs))
	for i, p := range xs {
		pts[i] = []float64{p[0], d.T0}
	}
	return pts, nil
}

// Sampler draws uniform points inside the box (annsvd.Term.Sample, for residual-based
// resampling).
func (d SpaceTime) Sampler() func(rng *rand.Rand, n int) [][]float64 {
	return annsvd.BoxSampler([]float64{d.X0, d.T0}, []float64{d.X1, d.T1})
}

// Grid returns the evaluation set of a reference solution u(x, t) on the nx × nt
// tensor grid of the box (coordinates named x and t), as heatmaps and time slices use.
func (d SpaceTime) Grid(nx, nt int, u func(x, t float64) float64) (*annsvd.EvalSet, error) {
	if nx < 2 || nt < 2 {
		return nil, fmt.Errorf("problems: grid %d×%d out of range: need at least 2×2", nx, nt)
	}
	return gridEval(nx, nt, d.X0, d.X1, d.T0, d.T1, "x", "t", u), nil
}

// PointSets are the loss-term point sets of a space–time box.
type PointSets struct{ Interior, Boundary, Initial [][]float64 }

// All returns the boundary, initial and interior points in that order (DeepXDE
// evaluates the PDE residual on all of them).
func (s PointSets) All() [][]float64 {
	return append(append(append([][]float64{}, s.Boundary...), s.Initial...), s.Interior...)
}

// DeepXDEPoints samples the box as DeepXDE's TimePDE does with train_distribution
// "Hammersley": nInterior Hammersley points inside; nBoundary on the spatial boundary,
// each at x = X0 or X1 at random (seeded) at a permuted 1-D Hammersley time; nInitial on
// the initial line at 1-D Hammersley positions.
func (d SpaceTime) DeepXDEPoints(seed uint64, nInterior, nBoundary, nInitial int) (PointSets, error) {
	var s PointSets
	h, err := sampling.Hammersley(nInterior, 2)
	if err != nil {
		return s, err
	}
	for _, p := range h {
		s.Interior = append(s.Interior, []float64{d.X0 + (d.X1-d.X0)*p[0], d.T0 + (d.T1-d.T0)*p[1]})
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	hb, err := sampling.Hammersley1D(nBoundary)
	if err != nil {
		return s, err
	}
	perm := rng.Perm(len(hb))
	for i := range hb {
		x := d.X0
		if rng.IntN(2) == 1 {
			x = d.X1
		}
		s.Boundary = append(s.Boundary, []float64{x, d.T0 + (d.T1-d.T0)*hb[perm[i]]})
	}
	hi, err := sampling.Hammersley1D(nInitial)
	if err != nil {
		return s, err
	}
	for _, v := range hi {
		s.Initial = append(s.Initial, []float64{d.X0 + (d.X1-d.X0)*v, d.T0})
	}
	return s, nil
}

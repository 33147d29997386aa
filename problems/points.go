package problems

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems/sampling"
)

// ShiftedHammersley returns n Hammersley points in the box [lo, hi] under a seeded
// Cranley–Patterson rotation (each coordinate shifted by a random offset modulo 1):
// still low-discrepancy, but a different set for every seed, so that resampling draws
// fresh points. Seed 0 is the unshifted set.
func ShiftedHammersley(seed uint64, n int, lo, hi []float64) ([][]float64, error) {
	if len(lo) != len(hi) {
		return nil, fmt.Errorf("problems: box bounds have %d and %d coordinates", len(lo), len(hi))
	}
	pts, err := sampling.Hammersley(n, len(lo))
	if err != nil {
		return nil, err
	}
	if seed != 0 {
		rng := sampling.NewRand(seed)
		shift := make([]float64, len(lo))
		for j := range shift {
			shift[j] = rng.Float64()
		}
		for _, p := range pts {
			for j := range p {
				p[j] = math.Mod(p[j]+shift[j], 1)
			}
		}
	}
	if err := sampling.Scale(pts, lo, hi); err != nil {
		return nil, err
	}
	return pts, nil
}

// gridEval returns the evaluation set of f on the nx×ny tensor grid of [x0,x1]×[y0,y1]
// (point k = i·ny + j).
func gridEval(nx, ny int, x0, x1, y0, y1 float64, xName, yName string, f func(x, y float64) float64) *annsvd.EvalSet {
	g := &annsvd.Grid{XName: xName, YName: yName}
	for i := range nx {
		g.X = append(g.X, x0+(x1-x0)*float64(i)/float64(nx-1))
	}
	for j := range ny {
		g.Y = append(g.Y, y0+(y1-y0)*float64(j)/float64(ny-1))
	}
	es := &annsvd.EvalSet{Grid: g}
	for _, x := range g.X {
		for _, y := range g.Y {
			es.Points = append(es.Points, []float64{x, y})
			es.U = append(es.U, f(x, y))
		}
	}
	return es
}

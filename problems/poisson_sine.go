package problems

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// PoissonSine builds the parameterised Poisson family −Δu = f_a on [0,1]² with exact
// u_a = sin(aπx)·sin(πy), f_a = (a²+1)π²·u_a, and the hard constraint
// u = x·sin(aπ)·sin(πy) + x(1−x)y(1−y)·N (which matches u_a on the whole boundary).
// Training uses an n×n interior grid; the reference a 51×51 grid. Used for transfer
// learning across a.
func PoissonSine(a float64, n int) (*annsvd.Problem, error) {
	if !(a > 0) || a > 20 {
		return nil, fmt.Errorf("problems: source parameter a=%v out of range (0, 20]", a)
	}
	if n < 2 || n > 1000 {
		return nil, fmt.Errorf("problems: grid size %d out of range [2, 1000]", n)
	}
	var pts [][]float64
	for i := range n {
		for j := range n {
			pts = append(pts, []float64{(float64(i) + 0.5) / float64(n), (float64(j) + 0.5) / float64(n)})
		}
	}
	c := (a*a + 1) * math.Pi * math.Pi
	sa := math.Sin(a * math.Pi)
	return &annsvd.Problem{
		Name:     fmt.Sprintf("poisson-sine(a=%g)", a),
		Equation: fmt.Sprintf("−Δu = (a²+1)π² sin(aπx) sin(πy) on [0,1]², a = %g", a),
		Coords:   []string{"x", "y"},
		Terms: func(uint64) ([]annsvd.Term, error) {
			return []annsvd.Term{{Name: "pde", Points: pts, Derivs: annsvd.Derivs{First: []int{0, 1}, Laplacian: []int{0, 1}},
				Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
					f := MulScalar(Mul(Sin(MulScalar(x[0], a*math.Pi)), Sin(MulScalar(x[1], math.Pi))), c)
					return Add(u.Laplacian(), f)
				}}}, nil
		},
		Transform: func(x []annsvd.Jet, nn annsvd.Jet) annsvd.Jet {
			oneMinus := func(j annsvd.Jet) annsvd.Jet { return j.Scale(-1).AddConst(1) }
			g := x[0].Mul(x[1].Scale(math.Pi).Sin()).Scale(sa)
			b := x[0].Mul(oneMinus(x[0])).Mul(x[1]).Mul(oneMinus(x[1]))
			return g.Add(b.Mul(nn))
		},
		Reference: func() (*annsvd.EvalSet, error) {
			es := &annsvd.EvalSet{}
			for i := range 51 {
				for j := range 51 {
					x, y := float64(i)/50, float64(j)/50
					es.Points = append(es.Points, []float64{x, y})
					es.U = append(es.U, math.Sin(a*math.Pi*x)*math.Sin(math.Pi*y))
				}
			}
			return es, nil
		},
	}, nil
}

package problems

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Helmholtz parameters: u = sin(a₁πx)·sin(a₂πy), wave number k, collocation points.
const (
	HelmholtzA1     = 1
	HelmholtzA2     = 4
	HelmholtzK      = 1
	HelmholtzPoints = 2000
)

func init() {
	registerQN(Entry{
		Name:     "helmholtz",
		Equation: "−Δu − k²u = f on [−1,1]², k = 1, u = 0 on ∂Ω, exact u = sin(πx)·sin(4πy)",
		About: "Helmholtz 2-D (Wang et al. 2021): f = ((a₁²+a₂²)π² − k²)·u*; Dirichlet data by the hard " +
			fmt.Sprintf("constraint u = (1−x²)(1−y²)·N; %d seeded", HelmholtzPoints) + " shifted-Hammersley points; reference: the exact " +
			"solution on a 101×101 grid; metric relative L2",
		Defaults: Defaults{Widths: []int{50, 50, 50}, Activation: annsvd.ActSine, AdamSteps: 5000, LBFGSIters: 2000, LR: 1e-3},
		New:      Helmholtz,
	}, ssBroyden([]int{50, 50, 50}, annsvd.ActSine, 2000, 3000, 500,
		"3×50 sin, float64, Adam 2000 then SSBroyden 3000 in RAD rounds of 500 (measured: README)"), nil)
}

// HelmholtzExact is u*(x, y) = sin(a₁πx)·sin(a₂πy).
func HelmholtzExact(x, y float64) float64 {
	return math.Sin(HelmholtzA1*math.Pi*x) * math.Sin(HelmholtzA2*math.Pi*y)
}

// HelmholtzSource is f = ((a₁² + a₂²)π² − k²)·u*, so that −Δu* − k²u* = f.
func HelmholtzSource(x, y float64) float64 {
	return ((HelmholtzA1*HelmholtzA1+HelmholtzA2*HelmholtzA2)*math.Pi*math.Pi - HelmholtzK*HelmholtzK) * HelmholtzExact(x, y)
}

// Helmholtz builds the Helmholtz 2-D problem with the hard Dirichlet constraint.
func Helmholtz() (*annsvd.Problem, error) {
	c := (HelmholtzA1*HelmholtzA1+HelmholtzA2*HelmholtzA2)*math.Pi*math.Pi - HelmholtzK*HelmholtzK
	return &annsvd.Problem{
		Name:     "helmholtz",
		Equation: registry["helmholtz"].Equation,
		Coords:   []string{"x", "y"},
		Terms: func(seed uint64) ([]annsvd.Term, error) {
			pts, err := ShiftedHammersley(seed, HelmholtzPoints, []float64{-1, -1}, []float64{1, 1})
			if err != nil {
				return nil, err
			}
			return []annsvd.Term{{
				Name: "pde", Points: pts, Derivs: annsvd.Derivs{First: []int{0, 1}, Laplacian: []int{0, 1}},
				Sample: annsvd.BoxSampler([]float64{-1, -1}, []float64{1, 1}),
				Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
					f := MulScalar(Mul(Sin(MulScalar(x[0], HelmholtzA1*math.Pi)), Sin(MulScalar(x[1], HelmholtzA2*math.Pi))), c)
					return Sub(Neg(Add(u.Laplacian(), MulScalar(u.V, HelmholtzK*HelmholtzK))), f)
				},
			}}, nil
		},
		// u = (1−x²)(1−y²)·N vanishes on ∂Ω.
		Transform: func(x []annsvd.Jet, n annsvd.Jet) annsvd.Jet {
			bx := x[0].Mul(x[0]).Scale(-1).AddConst(1)
			by := x[1].Mul(x[1]).Scale(-1).AddConst(1)
			return bx.Mul(by).Mul(n)
		},
		Reference: func() (*annsvd.EvalSet, error) {
			return gridEval(101, 101, -1, 1, -1, 1, "x", "y", HelmholtzExact), nil
		},
	}, nil
}

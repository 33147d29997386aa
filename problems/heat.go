package problems

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems/ref"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Heat parameters: diffusivity α and point counts.
const (
	HeatAlpha          = 0.1
	HeatDomainPoints   = 2000
	HeatBoundaryPoints = 200
	HeatInitialPoints  = 200
)

func init() {
	registerQN(Entry{
		Name:     "heat",
		Equation: "u_t = α·u_xx on [0,1]×[0,1], α = 0.1, u(0,t) = u(1,t) = 0, u(x,0) = sin πx + ½ sin 3πx",
		About: fmt.Sprintf("Heat 1-D: soft boundary (bc) and initial (ic) losses; %d interior + %d boundary + %d ", HeatDomainPoints, HeatBoundaryPoints, HeatInitialPoints) +
			"initial seeded shifted-Hammersley points; reference ref.HeatExact (two decaying modes) on a " +
			"101×101 grid; metric relative L2",
		Defaults: Defaults{Widths: []int{20, 20, 20}, Activation: annsvd.ActTanh, AdamSteps: 5000, LBFGSIters: 2000, LR: 1e-3},
		New:      Heat,
	}, ssBroyden([]int{20, 20, 20}, annsvd.ActTanh, 2000, 5000, 500,
		"3×20 float64, Adam 2000 then SSBroyden 5000 in RAD rounds of 500 (measured: README)"), nil)
}

// heatBox is the heat problem's space–time box.
var heatBox = SpaceTime{X0: 0, X1: 1, T0: 0, T1: 1}

// Heat builds the heat-equation problem u_t = α·u_xx with soft boundary and initial losses.
func Heat() (*annsvd.Problem, error) {
	return &annsvd.Problem{
		Name:     "heat",
		Equation: registry["heat"].Equation,
		Coords:   []string{"x", "t"},
		Terms: func(seed uint64) ([]annsvd.Term, error) {
			dom, err := heatBox.Interior(seed, HeatDomainPoints)
			if err != nil {
				return nil, err
			}
			bc, err := heatBox.Boundary(seed, HeatBoundaryPoints)
			if err != nil {
				return nil, err
			}
			ic, err := heatBox.Initial(seed, HeatInitialPoints)
			if err != nil {
				return nil, err
			}
			return []annsvd.Term{
				{Name: "pde", Points: dom, Derivs: annsvd.Derivs{First: []int{0, 1}, Second: []int{0}},
					Sample: heatBox.Sampler(),
					Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node {
						return Sub(u.Dx(1), MulScalar(u.Dxx(0), HeatAlpha))
					}},
				{Name: "bc", Points: bc, Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return u.V }},
				{Name: "ic", Points: ic, Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
					u0 := Add(Sin(MulScalar(x[0], math.Pi)), MulScalar(Sin(MulScalar(x[0], 3*math.Pi)), 0.5))
					return Sub(u.V, u0)
				}},
			}, nil
		},
		Reference: func() (*annsvd.EvalSet, error) {
			return heatBox.Grid(101, 101, func(x, t float64) float64 { return ref.HeatExact(x, t, HeatAlpha) })
		},
	}, nil
}

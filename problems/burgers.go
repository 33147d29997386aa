package problems

import (
	"cmp"
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems/ref"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Burgers point counts (DeepXDE's example).
const (
	BurgersDomainPoints   = 2540
	BurgersBoundaryPoints = 80
	BurgersInitialPoints  = 160
	BurgersTMax           = 0.99
)

func init() {
	classic := Defaults{Widths: []int{20, 20, 20}, Activation: annsvd.ActTanh, AdamSteps: 15000, LBFGSIters: 5000,
		LR: 5e-3, Schedule: "cosine", Weights: map[string]float64{"ic": 10},
		Note: "the defaults before the quasi-Newton recipe: soft losses, lr 5e-3 with cosine decay, ic weight 10, Adam then L-BFGS, float32"}
	Register(Entry{
		Name:     "burgers",
		Equation: "u_t + u·u_x − (0.01/π)·u_xx = 0, x∈[−1,1], t∈[0,0.99], u(x,0) = −sin πx, u(±1,t) = 0",
		About: "Burgers 1-D (DeepXDE's example): soft boundary and initial losses, or the hard-constraint trial solution (-hard, the defaults); " +
			fmt.Sprintf("Hammersley interior points (-points: %d in the defaults, DeepXDE's %d in -preset classic) + %d boundary + %d initial points ",
				BurgersSSBroyden.Points, BurgersDomainPoints, BurgersBoundaryPoints, BurgersInitialPoints) +
			"(PDE residual on all of them); reference by Cole–Hopf with " +
			"Gauss–Hermite quadrature on DeepXDE's 256×100 grid; metric relative L2",
		Defaults: BurgersDefaults,
		NewWith:  Burgers,
		Points:   BurgersDomainPoints,
		Presets:  map[string]Defaults{"accurate": BurgersAccurate, PresetSSBroyden: BurgersSSBroyden, PresetClassic: classic},
		Hard:     "u = −sin πx + t·(1−x²)·N(x,t): initial and boundary conditions exact, only the PDE loss",
	})
}

// BurgersDefaults are burgers' defaults: the "ssbroyden" recipe (BurgersSSBroyden) with
// a budget of 4000 SSBroyden iterations instead of 10 000, to fit about 15 minutes on 2
// cores on the pure-Go engine.
var BurgersDefaults = withQNIters(BurgersSSBroyden, 4000)

// BurgersAccurate is the "accurate" preset: the hard-constraint trial solution
// u = −sin πx + t·(1−x²)·N (Options.Hard, so only the PDE loss is trained), 4×40 tanh,
// float64, 3000 Adam steps (lr 10⁻³) then 15 000 L-BFGS iterations in rounds of 1000
// with residual-based adaptive resampling (RAD, k = 1, c = 1, 10× candidate pool) of the
// 2780 PDE points between rounds. Its measured errors (per round, and of the SVD and
// deeper variants) are in the README.
var BurgersAccurate = Defaults{
	Widths: []int{40, 40, 40, 40}, Activation: annsvd.ActTanh, AdamSteps: 3000, LBFGSIters: 15000, LR: 1e-3,
	Float64: true, Hard: true, RAD: solve.RADConfig{LBFGSEvery: 1000},
	Note: "hard constraint, 4×40 float64, Adam 3000 then L-BFGS 15 000 in RAD rounds of 1000 (measured: README)",
}

// BurgersSSBroyden is the "ssbroyden" preset (see ssBroyden): 3×20 tanh with the
// hard-constraint trial solution, 8000 interior points (8240 PDE points with the boundary
// and initial ones), 2000 Adam steps, then 10 000 SSBroyden iterations in RAD rounds of 500.
var BurgersSSBroyden = func() Defaults {
	d := ssBroyden([]int{20, 20, 20}, annsvd.ActTanh, 2000, 10000, 500,
		"hard constraint, 3×20 float64, Adam 2000 then SSBroyden 10 000 in RAD rounds of 500 (measured: README)")
	d.Hard, d.Points = true, 8000
	return d
}()

// burgersBox is Burgers' space–time box.
var burgersBox = SpaceTime{X0: -1, X1: 1, T0: 0, T1: BurgersTMax}

// Burgers builds the Burgers 1-D problem with ν = 0.01/π on DeepXDE's point sets
// (SpaceTime.DeepXDEPoints; opts.Points interior points). With opts.Hard the trial
// solution u = −sin πx + t·(1−x²)·N(x,t) satisfies the initial and boundary conditions
// exactly and only the PDE term remains (still on all the points).
func Burgers(opts Options) (*annsvd.Problem, error) {
	if err := fixedDim("burgers", opts); err != nil {
		return nil, err
	}
	n := cmp.Or(opts.Points, BurgersDomainPoints)
	p := &annsvd.Problem{Name: "burgers", Equation: registry["burgers"].Equation, Coords: []string{"x", "t"}, Reference: burgersReference}
	p.Terms = func(seed uint64) ([]annsvd.Term, error) {
		s, err := burgersBox.DeepXDEPoints(seed, n, BurgersBoundaryPoints, BurgersInitialPoints)
		if err != nil {
			return nil, err
		}
		terms := []annsvd.Term{
			{Name: "pde", Points: s.All(), Derivs: annsvd.Derivs{First: []int{0, 1}, Second: []int{0}}, Sample: burgersBox.Sampler(),
				Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node {
					return Sub(Add(u.Dx(1), Mul(u.V, u.Dx(0))), MulScalar(u.Dxx(0), ref.BurgersNu))
				}},
			{Name: "bc", Points: s.Boundary, Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return u.V }},
			{Name: "ic", Points: s.Initial, Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node { return Add(u.V, Sin(MulScalar(x[0], math.Pi))) }},
		}
		if opts.Hard {
			terms = terms[:1]
		}
		return terms, nil
	}
	if opts.Hard {
		p.Transform = func(x []annsvd.Jet, n annsvd.Jet) annsvd.Jet {
			a := x[0].Scale(math.Pi).Sin().Scale(-1)
			return a.Add(x[1].Mul(x[0].Mul(x[0]).Scale(-1).AddConst(1)).Mul(n))
		}
	}
	return p, nil
}

func burgersReference() (*annsvd.EvalSet, error) {
	g, err := ref.BurgersGrid(256, 100, BurgersTMax, ref.BurgersNu, ref.DefaultBurgersOrder)
	if err != nil {
		return nil, err
	}
	return GridEvalSet(g, "x", "t"), nil
}

// GridEvalSet converts a reference grid to an evaluation set (point k = i·len(T)+j).
func GridEvalSet(g *ref.Grid2D, xName, tName string) *annsvd.EvalSet {
	es := &annsvd.EvalSet{Grid: &annsvd.Grid{X: g.X, Y: g.T, XName: xName, YName: tName}}
	for i, x := range g.X {
		for j, t := range g.T {
			es.Points = append(es.Points, []float64{x, t})
			es.U = append(es.U, g.U[i][j])
		}
	}
	return es
}

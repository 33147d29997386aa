package problems

import (
	"fmt"
	"math"
	"sync"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems/ref"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Allen–Cahn point counts: interior collocation points (the default of Options.Points)
// and boundary times (each used at x = −1 and x = +1 for the periodicity term).
const (
	AllenCahnDomainPoints   = 4000
	AllenCahnBoundaryPoints = 200
)

func init() {
	registerQN(Entry{
		Name:     "allen-cahn",
		Equation: "u_t − 10⁻⁴·u_xx + 5u³ − 5u = 0, x∈[−1,1], t∈[0,1], u(x,0) = x² cos πx, periodic in x",
		About: fmt.Sprintf("Allen–Cahn 1-D (Raissi et al. 2019): soft initial condition (ic, %d points on t = 0) ", AllenCahnICPoints) +
			"or, with -hard, the hard one u = x² cos πx + t·N; soft periodicity term u(−1,t) = u(1,t) " +
			"(per; zero by construction under the periodic embedding; no u_x term: the periodic " +
			fmt.Sprintf("extension of x² cos πx has a kink at ±1); interior points (-points: %d in the defaults, %d in the presets) + ", allenCahnDefaultPoints, AllenCahnDomainPoints) +
			fmt.Sprintf("%d boundary seeded", AllenCahnBoundaryPoints) + " shifted-Hammersley points; reference: Fourier pseudo-spectral ETDRK4 " +
			"(ref.AllenCahnGrid, 512×201 grid, 4096 modes); metric relative L2",
		Defaults: Defaults{Widths: []int{64, 64, 64}, Activation: annsvd.ActTanh, AdamSteps: 10000, LBFGSIters: 2000, LR: 1e-3, Hard: true},
		NewWith:  AllenCahn,
		Hard: "u = x² cos πx + t·N(x,t): the initial condition exact; with a periodic N it forces " +
			"u_x(1,t) − u_x(−1,t) = −4 for all t, which the true solution loses within t ≈ 0.1",
		Points: AllenCahnDomainPoints,
	}, AllenCahnSSBroyden, allenCahnCheaper)
}

// AllenCahnSSBroyden is the "ssbroyden" preset (see ssBroyden): the exactly periodic
// embedding of x (M = 5 modes, annsvd.Periodic), the soft initial condition with weight
// 100, 3×30 tanh, 2000 Adam steps, then 5000 SSBroyden iterations in RAD rounds of 500.
var AllenCahnSSBroyden = func() Defaults {
	d := ssBroyden([]int{30, 30, 30}, annsvd.ActTanh, 2000, 5000, 500,
		"periodic embedding M = 5, soft initial condition (ic=100), 3×30 float64, Adam 2000 then SSBroyden 5000 in RAD rounds of 500 (measured: README)")
	d.PeriodicModes, d.Weights = 5, map[string]float64{"ic": 100}
	return d
}()

// allenCahnDefaultPoints is the interior point count of allen-cahn's defaults.
const allenCahnDefaultPoints = 2000

// allenCahnCheaper makes allen-cahn's defaults from its recipe: 2000 instead of 4000
// interior points (RAD moves them where the residual is large) and 3500 instead of 5000
// SSBroyden iterations, to fit about 15 minutes on 2 cores on the pure-Go engine
// (measured: README).
func allenCahnCheaper(d Defaults) Defaults {
	d = withQNIters(d, 3500)
	d.Points = allenCahnDefaultPoints
	d.Note = fmt.Sprintf("the ssbroyden preset on %d instead of %d interior points, with 3500 instead of 5000 SSBroyden iterations", allenCahnDefaultPoints, AllenCahnDomainPoints)
	return d
}

// AllenCahnICPoints is the number of initial-condition points of the soft variant
// (evenly spaced on [−1, 1] at t = 0).
const AllenCahnICPoints = 512

var allenCahnRef = sync.OnceValues(ref.AllenCahnGrid)

// AllenCahn builds the Allen–Cahn problem with a soft periodicity term, and the initial
// condition as a soft term (ic) or, with opts.Hard, exactly through the trial solution
// u = x² cos πx + t·N.
func AllenCahn(opts Options) (*annsvd.Problem, error) {
	if err := fixedDim("allen-cahn", opts); err != nil {
		return nil, err
	}
	nDomain := opts.Points
	if nDomain == 0 {
		nDomain = AllenCahnDomainPoints
	}
	u0 := func(x *Node) *Node { return Mul(Square(x), Cos(MulScalar(x, math.Pi))) }
	p := &annsvd.Problem{
		Name:     "allen-cahn",
		Equation: registry["allen-cahn"].Equation,
		Coords:   []string{"x", "t"},
		Periods:  []float64{2, 0},
		Terms: func(seed uint64) ([]annsvd.Term, error) {
			dom, err := ShiftedHammersley(seed, nDomain, []float64{-1, 0}, []float64{1, 1})
			if err != nil {
				return nil, err
			}
			tb, err := ShiftedHammersley(seed+1, AllenCahnBoundaryPoints, []float64{0}, []float64{1})
			if err != nil {
				return nil, err
			}
			// Pairs: the first M points at x = −1, the next M at x = +1 with the same times.
			m := len(tb)
			pairs := make([][]float64, 2*m)
			for i, p := range tb {
				pairs[i], pairs[m+i] = []float64{-1, p[0]}, []float64{1, p[0]}
			}
			// diff(v) = v[:M] − v[M:] as a product with the constant M×2M matrix [I, −I]
			// (no Slice on the differentiated path: its gradient needs Pad).
			dm := make([]float64, 2*m*m)
			for i := range m {
				dm[i*2*m+i], dm[i*2*m+m+i] = 1, -1
			}
			diff := func(v *Node) *Node {
				d := ConvertDType(Const(v.Graph(), tensors.FromFlatDataAndDimensions(dm, m, 2*m)), v.DType())
				return Dot(d, v)
			}
			terms := []annsvd.Term{
				{Name: "pde", Points: dom, Derivs: annsvd.Derivs{First: []int{0, 1}, Second: []int{0}},
					Sample: annsvd.BoxSampler([]float64{-1, 0}, []float64{1, 1}),
					Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node {
						u3 := Mul(Square(u.V), u.V)
						return Add(Sub(u.Dx(1), MulScalar(u.Dxx(0), ref.AllenCahnD)), MulScalar(Sub(u3, u.V), 5))
					}},
				{Name: "per", Points: pairs, Coupled: true, Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return diff(u.V) }},
			}
			if !opts.Hard {
				ic := make([][]float64, AllenCahnICPoints)
				for i := range ic {
					ic[i] = []float64{-1 + 2*float64(i)/float64(AllenCahnICPoints-1), 0}
				}
				terms = append(terms, annsvd.Term{Name: "ic", Points: ic,
					Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node { return Sub(u.V, u0(x[0])) }})
			}
			return terms, nil
		},
		Reference: func() (*annsvd.EvalSet, error) {
			g, err := allenCahnRef()
			if err != nil {
				return nil, err
			}
			return GridEvalSet(g, "x", "t"), nil
		},
	}
	if opts.Hard {
		// u = x² cos πx + t·N satisfies the initial condition exactly.
		p.Transform = func(x []annsvd.Jet, n annsvd.Jet) annsvd.Jet {
			g := x[0].Mul(x[0]).Mul(x[0].Scale(math.Pi).Cos())
			return g.Add(x[1].Mul(n))
		}
	}
	return p, nil
}

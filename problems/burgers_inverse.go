package problems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems/ref"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Burgers inverse-problem defaults: observations of the Cole–Hopf solution with
// Gaussian noise of standard deviation Noise·std(u), and the initial guess of ν.
const (
	BurgersInverseObs        = 2000
	BurgersInverseNoise      = 0.01
	BurgersInverseCollocated = 1000
	BurgersInverseNuInit     = 0.01
	// InverseScope and InverseLogNu name the trainable θ = log ν.
	InverseScope = "/inverse"
	InverseLogNu = "log_nu"
)

func init() {
	Register(Entry{
		Name:     "burgers-inverse",
		Equation: "u_t + u·u_x − ν·u_xx = 0 with unknown ν = exp θ (true 0.01/π), fitted to noisy observations of u",
		About: fmt.Sprintf("Burgers inverse problem: %d seeded observations of the Cole–Hopf solution on DeepXDE's 256×100 grid ", BurgersInverseObs) +
			fmt.Sprintf("with %g %% Gaussian noise (σ = %g·std u),", 100*BurgersInverseNoise, BurgersInverseNoise) + " PDE residual on the observation points plus 1000 Hammersley points; " +
			"ν = exp θ is trained with the network (initial ν = 0.01); metric relative L2 of u (see InverseNu for ν)",
		// Raissi et al.'s 8×20 depth in float64, Adam as a warm start, then dense SSBroyden
		// (no RAD: the observation points are fixed); the earlier Adam 3000 + L-BFGS 3000
		// recipe is the "classic" preset. Measured: README.
		Defaults: BurgersInverseDefaults,
		Presets:  map[string]Defaults{PresetClassic: burgersInverseClassic},
		New:      BurgersInverse,
	})
}

// BurgersInverseDefaults are burgers-inverse's defaults: 8×20 tanh in float64, 2000
// Adam steps (lr 10⁻³), then 2000 iterations of dense SSBroyden (solve.QNSSBroyden) on
// the fixed observation and collocation points.
var BurgersInverseDefaults = Defaults{Widths: []int{20, 20, 20, 20, 20, 20, 20, 20}, Activation: annsvd.ActTanh,
	AdamSteps: 2000, LBFGSIters: 2000, QN: solve.QNSSBroyden, LR: 1e-3, Float64: true,
	Note: "8×20 float64, Adam 2000 then SSBroyden 2000 (measured: README)"}

// burgersInverseClassic is the "classic" preset: the defaults before the quasi-Newton
// recipe, the same network with Adam 3000 then L-BFGS 3000.
var burgersInverseClassic = func() Defaults {
	d := BurgersInverseDefaults
	d.AdamSteps, d.LBFGSIters, d.QN = 3000, 3000, solve.QNLBFGS
	d.Note = "the defaults before the quasi-Newton recipe: Adam 3000 then L-BFGS 3000, float64"
	return d
}()

// BurgersObservations samples n points of the Cole–Hopf reference grid (ν = 0.01/π,
// seeded, without replacement) and adds Gaussian noise N(0, (noise·std u)²).
func BurgersObservations(n int, noise float64, seed uint64) (points [][]float64, u []float64, err error) {
	g, err := ref.BurgersGrid(256, 100, BurgersTMax, ref.BurgersNu, ref.DefaultBurgersOrder)
	if err != nil {
		return nil, nil, err
	}
	es := GridEvalSet(g, "x", "t")
	if n < 1 || n > len(es.Points) {
		return nil, nil, fmt.Errorf("problems: observation count %d out of range [1, %d]", n, len(es.Points))
	}
	if !(noise >= 0) || math.IsInf(noise, 0) {
		return nil, nil, fmt.Errorf("problems: noise level %v out of range: need a finite level ≥ 0", noise)
	}
	var mean, sq float64
	for _, v := range es.U {
		mean += v
	}
	mean /= float64(len(es.U))
	for _, v := range es.U {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / float64(len(es.U)))
	rng := rand.New(rand.NewPCG(seed, 0xb0b5))
	for _, k := range rng.Perm(len(es.Points))[:n] {
		points = append(points, es.Points[k])
		u = append(u, es.U[k]+noise*sd*rng.NormFloat64())
	}
	return points, u, nil
}

// BurgersInverse builds the inverse problem with the default observations
// (BurgersInverseObs points, BurgersInverseNoise, seed 1).
func BurgersInverse() (*annsvd.Problem, error) {
	pts, u, err := BurgersObservations(BurgersInverseObs, BurgersInverseNoise, 1)
	if err != nil {
		return nil, err
	}
	p, err := BurgersInverseFrom(pts, u, BurgersInverseNuInit)
	if err != nil {
		return nil, err
	}
	// The observations are the Cole–Hopf solution for ν = ref.BurgersNu: report the error.
	nuOnly := p.Unknowns
	p.Unknowns = func(ctx *context.Context) (map[string]float64, error) {
		u, err := nuOnly(ctx)
		if err != nil {
			return nil, err
		}
		u["nu_rel_err"] = math.Abs(u["nu"]-ref.BurgersNu) / ref.BurgersNu
		return u, nil
	}
	return p, nil
}

// BurgersInverseFrom builds the inverse Burgers problem from observations u(xᵢ, tᵢ)
// (points in [−1,1]×[0,0.99], finite values) and the initial guess nuInit > 0 of ν.
func BurgersInverseFrom(points [][]float64, u []float64, nuInit float64) (*annsvd.Problem, error) {
	if err := annsvd.CheckPoints("observations", points, 2); err != nil {
		return nil, fmt.Errorf("problems: %w", err)
	}
	if len(u) != len(points) {
		return nil, fmt.Errorf("problems: %d observed values for %d observation points", len(u), len(points))
	}
	for i, p := range points {
		if p[0] < -1 || p[0] > 1 || p[1] < 0 || p[1] > BurgersTMax {
			return nil, fmt.Errorf("problems: observation %d at (x=%v, t=%v) outside the domain [−1,1]×[0,%v]", i, p[0], p[1], BurgersTMax)
		}
		if math.IsNaN(u[i]) || math.IsInf(u[i], 0) {
			return nil, fmt.Errorf("problems: observed value %d is %v (must be finite)", i, u[i])
		}
	}
	if !(nuInit > 0) || math.IsInf(nuInit, 0) {
		return nil, fmt.Errorf("problems: initial viscosity ν=%v out of range: need a finite ν > 0", nuInit)
	}
	data := make([][]float64, len(u))
	for i, v := range u {
		data[i] = []float64{v}
	}
	return &annsvd.Problem{
		Name:     "burgers-inverse",
		Equation: registry["burgers-inverse"].Equation,
		Coords:   []string{"x", "t"},
		Setup: func(ctx *context.Context, dt dtypes.DType) error {
			var v any = math.Log(nuInit)
			if dt != dtypes.Float64 {
				v = float32(math.Log(nuInit))
			}
			ctx.InAbsPath(InverseScope).Checked(false).VariableWithValue(InverseLogNu, tensors.FromAnyValue(v))
			return nil
		},
		Terms: func(seed uint64) ([]annsvd.Term, error) {
			dom, err := ShiftedHammersley(seed, BurgersInverseCollocated, []float64{-1, 0}, []float64{1, BurgersTMax})
			if err != nil {
				return nil, err
			}
			coll := append(append([][]float64{}, points...), dom...)
			return []annsvd.Term{
				{Name: "pde", Points: coll, Derivs: annsvd.Derivs{First: []int{0, 1}, Second: []int{0}},
					Sample: annsvd.BoxSampler([]float64{-1, 0}, []float64{1, BurgersTMax}),
					ResidualCtx: func(ctx *context.Context, x []*Node, u annsvd.Jet, _ []*Node) *Node {
						nu := Exp(inverseTheta(ctx).ValueGraph(x[0].Graph()))
						return Sub(Add(u.Dx(1), Mul(u.V, u.Dx(0))), Mul(u.Dxx(0), nu))
					}},
				{Name: "data", Points: points, Data: data,
					Residual: func(_ []*Node, u annsvd.Jet, d []*Node) *Node { return Sub(u.V, d[0]) }},
			}, nil
		},
		Reference: burgersReference,
		Unknowns: func(ctx *context.Context) (map[string]float64, error) {
			nu, err := InverseNu(ctx)
			if err != nil {
				return nil, err
			}
			return map[string]float64{"nu": nu}, nil
		},
	}, nil
}

func inverseTheta(ctx *context.Context) *context.Variable {
	v := ctx.InspectVariable(InverseScope, InverseLogNu)
	if v == nil {
		panic("problems: variable " + InverseScope + "/" + InverseLogNu + " not found: the problem's Setup did not run")
	}
	return v
}

// InverseNu returns the current ν = exp θ of an inverse problem trained in ctx.
func InverseNu(ctx *context.Context) (float64, error) {
	v := ctx.InspectVariable(InverseScope, InverseLogNu)
	if v == nil || !v.HasValue() {
		return 0, fmt.Errorf("problems: no %s/%s variable in the context", InverseScope, InverseLogNu)
	}
	return math.Exp(annsvd.TensorFloat64s(v.MustValue())[0]), nil
}

package problems

import (
	"fmt"
	"math"
	"slices"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems/sampling"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Poisson-Nd defaults: dimension, interior, boundary and evaluation point counts.
const (
	PoissonNDDefaultDim     = 5
	PoissonNDDomainPoints   = 1000
	PoissonNDBoundaryPoints = 200
	PoissonNDEvalPoints     = 2000
)

// PoissonNDMaxDim is the largest dimension accepted (the Sobol table's).
const PoissonNDMaxDim = sampling.MaxSobolDim

func init() {
	registerQN(Entry{
		Name:     "poisson-nd",
		Equation: "−Δu = (π²/4)·Σᵢ sin(πxᵢ/2) on [0,1]^d, u = Σᵢ sin(πxᵢ/2) on ∂Ω (d = -dim, default 5)",
		About: "Poisson d-D: Δu carried as one forward Laplacian stream (d+2 streams per layer: value, " +
			"d first derivatives, Δ; no Hessian, cost linear in d); " +
			fmt.Sprintf("%d interior points (Sobol', seeded random shift) + %d boundary points ", PoissonNDDomainPoints, PoissonNDBoundaryPoints) +
			"(uniform, one coordinate set to 0 or 1), soft Dirichlet loss (bc); reference: the exact " +
			fmt.Sprintf("solution at %d further shifted Sobol' points;", PoissonNDEvalPoints) + " metric relative L2. The estimated training " +
			"memory is checked against a bound before anything is allocated",
		Defaults: Defaults{Widths: []int{64, 64}, Activation: annsvd.ActTanh, AdamSteps: 2000, LBFGSIters: 0, LR: 1e-3},
		NewWith:  PoissonND,
	}, ssBroyden([]int{64, 64}, annsvd.ActTanh, 2000, 2000, 500,
		"[64,64] float64, Adam 2000 then SSBroyden 2000 in RAD rounds of 500 (measured for d = 5: README)"), nil)
}

// PoissonNDExact is u*(x) = Σᵢ sin(πxᵢ/2).
func PoissonNDExact(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Sin(math.Pi * v / 2)
	}
	return s
}

// PoissonNDMemory estimates the bytes of one training step of poisson-nd in dimension
// d with the given hidden widths: every hidden layer holds d+2 streams (value, d
// first derivatives and the Laplacian) of N×width values for the interior points, and the
// forward and backward passes keep about 8 such arrays per stream (pre-activation,
// activation, σ′/σ″ factors, their products and gradients), in float64.
func PoissonNDMemory(d int, widths []int) int64 {
	sum := int64(0)
	for _, w := range widths {
		sum += int64(w)
	}
	const perValue = 8 * 8
	interior := int64(PoissonNDDomainPoints) * int64(d+2) * sum * perValue
	boundary := int64(PoissonNDBoundaryPoints) * sum * perValue
	points := int64(PoissonNDDomainPoints+PoissonNDBoundaryPoints+PoissonNDEvalPoints) * int64(d) * 8 * 2
	return interior + boundary + points
}

// PoissonND builds the d-dimensional Poisson problem (opts.Dim, default 5), after
// checking d ∈ [1, PoissonNDMaxDim] and the memory estimate PoissonNDMemory(d,
// opts.Widths or the default widths) against opts.MaxMemory (default
// DefaultMaxMemory).
func PoissonND(opts Options) (*annsvd.Problem, error) {
	d := opts.Dim
	if d == 0 {
		d = PoissonNDDefaultDim
	}
	if d < 1 || d > PoissonNDMaxDim {
		return nil, fmt.Errorf("problems: poisson-nd dimension %d out of range [1, %d]", d, PoissonNDMaxDim)
	}
	widths := opts.Widths
	if len(widths) == 0 {
		widths = registry["poisson-nd"].Defaults.Widths
	}
	limit := opts.MaxMemory
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	if need := PoissonNDMemory(d, widths); need > limit {
		return nil, fmt.Errorf("problems: poisson-nd dimension %d with widths %v needs an estimated %.2f GiB, over the %.2f GiB limit",
			d, widths, float64(need)/(1<<30), float64(limit)/(1<<30))
	}
	coords := make([]string, d)
	all := make([]int, d)
	for i := range d {
		coords[i] = fmt.Sprintf("x%d", i+1)
		all[i] = i
	}
	return &annsvd.Problem{
		Name:     "poisson-nd",
		Equation: fmt.Sprintf("−Δu = (π²/4)·Σᵢ sin(πxᵢ/2) on [0,1]^%d, u = Σᵢ sin(πxᵢ/2) on ∂Ω", d),
		Coords:   coords,
		Terms: func(seed uint64) ([]annsvd.Term, error) {
			dom, err := shiftedSobol(seed, PoissonNDDomainPoints, d, 1)
			if err != nil {
				return nil, err
			}
			rng := sampling.NewRand(seed ^ 0x5bd1e995)
			bc := sampling.Uniform(rng, PoissonNDBoundaryPoints, d)
			for _, p := range bc {
				p[rng.IntN(d)] = float64(rng.IntN(2))
			}
			return []annsvd.Term{
				{Name: "pde", Points: dom, Derivs: annsvd.Derivs{First: all, Laplacian: all},
					Sample: annsvd.BoxSampler(slices.Repeat([]float64{0}, d), slices.Repeat([]float64{1}, d)),
					Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
						f := Sin(MulScalar(x[0], math.Pi/2))
						for i := 1; i < len(x); i++ {
							f = Add(f, Sin(MulScalar(x[i], math.Pi/2)))
						}
						return Add(u.Laplacian(), MulScalar(f, math.Pi*math.Pi/4)) // Δu + f = −(−Δu − f)
					}},
				{Name: "bc", Points: bc, Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
					g := Sin(MulScalar(x[0], math.Pi/2))
					for i := 1; i < len(x); i++ {
						g = Add(g, Sin(MulScalar(x[i], math.Pi/2)))
					}
					return Sub(u.V, g)
				}},
			}, nil
		},
		Reference: func() (*annsvd.EvalSet, error) {
			pts, err := shiftedSobol(0x0e7a1, PoissonNDEvalPoints, d, PoissonNDDomainPoints+1)
			if err != nil {
				return nil, err
			}
			es := &annsvd.EvalSet{Points: pts, U: make([]float64, len(pts))}
			for i, p := range pts {
				es.U[i] = PoissonNDExact(p)
			}
			return es, nil
		},
	}, nil
}

// shiftedSobol returns n Sobol' points in [0,1)^d from index skip, randomly shifted
// modulo 1 with the seed (Cranley–Patterson rotation).
func shiftedSobol(seed uint64, n, d, skip int) ([][]float64, error) {
	pts, err := sampling.Sobol(n, d, skip)
	if err != nil {
		return nil, err
	}
	rng := sampling.NewRand(seed)
	shift := make([]float64, d)
	for j := range shift {
		shift[j] = rng.Float64()
	}
	for _, p := range pts {
		for j := range p {
			p[j] = math.Mod(p[j]+shift[j], 1)
		}
	}
	return pts, nil
}

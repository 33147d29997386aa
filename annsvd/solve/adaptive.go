package solve

import (
	"fmt"
	"math"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TermGradStats evaluates, for every loss term i (in TermNames order), the gradient
// ∇θLᵢ of its unweighted mean squared residual with respect to all trainable
// parameters and returns max|∇θLᵢ| and mean|∇θLᵢ| over the parameters.
type TermGradStats struct {
	exec    *context.Exec
	nParams int
	nVars   int
}

// Eval computes the per-term gradient statistics at the current variable values. The
// graph is compiled at the first call and again when the trainable variables change.
func (s *TermGradStats) Eval(r *Run) (maxAbs, meanAbs []float64, err error) {
	if s.exec == nil || s.nParams != r.NumParams() || s.nVars != len(r.trainVars) {
		vars := slices.Clone(r.trainVars)
		n := r.NumParams()
		s.exec, err = context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			_, terms := r.LossGraph(ctx, inputs)
			g := terms[0].Graph()
			vals := make([]*Node, len(vars))
			for i, v := range vars {
				vals[i] = v.ValueGraph(g)
			}
			var outs []*Node
			for _, l := range terms {
				var mx, sum *Node
				for _, gr := range Gradient(l, vals...) {
					a := Abs(gr)
					if mx == nil {
						mx, sum = ReduceAllMax(a), ReduceAllSum(a)
					} else {
						mx, sum = Max(mx, ReduceAllMax(a)), Add(sum, ReduceAllSum(a))
					}
				}
				outs = append(outs, mx, DivScalar(sum, float64(n)))
			}
			return outs
		})
		if err != nil {
			return nil, nil, fmt.Errorf("solve: building the per-term gradient graph: %w", err)
		}
		s.nParams, s.nVars = n, len(vars)
	}
	outs, err := s.exec.Exec(r.inputsAny()...)
	if err != nil {
		return nil, nil, fmt.Errorf("solve: per-term gradients: %w", err)
	}
	for i := 0; i < len(outs); i += 2 {
		maxAbs = append(maxAbs, scalarOf(outs[i]))
		meanAbs = append(meanAbs, scalarOf(outs[i+1]))
	}
	return maxAbs, meanAbs, nil
}

// AdaptiveWeights balances the loss weights by gradient norms (Wang, Teng & Perdikaris
// 2021, learning-rate annealing): every Every steps, for each term i other than the
// reference term Ref,
//
//	λ̂ᵢ = max|∇θL_ref| / mean|∇θLᵢ|,   λᵢ ← α·λᵢ + (1 − α)·λ̂ᵢ,
//
// with the unweighted term losses Lᵢ. The reference term keeps its weight.
type AdaptiveWeights struct {
	// Every is the update period in Adam steps (≥ 1).
	Every int
	// Alpha is the moving-average factor α ∈ [0, 1) (Wang et al.: 0.9).
	Alpha float64
	// Ref is the reference term, normally the PDE residual ("pde").
	Ref string
	// Max bounds the weights (0: 1e6), guarding against a vanishing mean gradient.
	Max float64
	// Log, when set, receives every update (step and the new weights by term).
	Log func(step int, weights map[string]float64)

	stats TermGradStats
}

// NewAdaptiveWeights returns the gradient-norm balancing hook with period every ≥ 1,
// α ∈ [0, 1) and reference term ref.
func NewAdaptiveWeights(every int, alpha float64, ref string) (*AdaptiveWeights, error) {
	a := &AdaptiveWeights{Every: every, Alpha: alpha, Ref: ref}
	return a, a.validate()
}

func (a *AdaptiveWeights) validate() error {
	if a.Every < 1 {
		return fmt.Errorf("solve: adaptive weight period %d out of range: need ≥ 1 steps", a.Every)
	}
	if !(a.Alpha >= 0 && a.Alpha < 1) {
		return fmt.Errorf("solve: adaptive weight factor α = %v out of range: need 0 ≤ α < 1", a.Alpha)
	}
	if a.Max < 0 || math.IsNaN(a.Max) {
		return fmt.Errorf("solve: adaptive weight bound %v out of range: need ≥ 0", a.Max)
	}
	return nil
}

// Setting describes the weight updates (HookSetting).
func (a *AdaptiveWeights) Setting(Config) string {
	return fmt.Sprintf("adaptive weights every %d α %g reference %s max %g", a.Every, a.Alpha, a.Ref, a.Max)
}

// AfterStep updates the weights every Every steps.
func (a *AdaptiveWeights) AfterStep(r *Run, step int) error {
	if err := a.validate(); err != nil {
		return err
	}
	ref := slices.Index(r.names, a.Ref)
	if ref < 0 {
		return fmt.Errorf("solve: adaptive weights: no reference term %q (terms: %s)", a.Ref, termNames(r.Terms))
	}
	if step%a.Every != 0 {
		return nil
	}
	maxAbs, meanAbs, err := a.stats.Eval(r)
	if err != nil {
		return err
	}
	bound := a.Max
	if bound == 0 {
		bound = 1e6
	}
	logged := map[string]float64{}
	for i, name := range r.names {
		w, err := r.Weight(name)
		if err != nil {
			return err
		}
		if i != ref {
			hat := maxAbs[ref] / meanAbs[i]
			if math.IsNaN(hat) || math.IsInf(hat, 0) || hat > bound {
				hat = bound
			}
			w = a.Alpha*w + (1-a.Alpha)*hat
			if err := r.SetWeight(name, w); err != nil {
				return err
			}
		}
		logged[name] = w
	}
	if a.Log != nil {
		a.Log(step, logged)
	}
	return nil
}

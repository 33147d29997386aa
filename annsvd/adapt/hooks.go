package adapt

import (
	"fmt"

	"github.com/annsvd/annsvd/annsvd/solve"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// RankRecord is the kept rank of one SVD layer after an adaptive-rank check.
type RankRecord struct {
	Step   int     `json:"step"`
	Layer  int     `json:"layer"`
	From   int     `json:"from"`
	To     int     `json:"to"`
	Sigma1 float64 `json:"sigma1"`
}

// AdaptiveRank is a hook that every Every steps re-factorises each SVD layer's
// W = U·diag(s)·Vᵀ on the host and drops the singular values σᵢ < Tol·σ₁, writing
// smaller u, s, v variables and rebuilding the graphs (Run.Invalidate).
//
// Adam's state is carried over, not reset: the moments of U, V and s are mapped into
// the new bases by [MapMoments] (exact for the signed column permutations that a
// re-factorisation of nearly orthonormal factors produces) and Adam's step counter is
// kept, so the bias corrections of all other variables are untouched. Resetting the
// moments instead (with the counter kept) would make the next step ≈ 3.2× the learning
// rate in every coordinate of the factors, since m̂/√v̂ = (1−β₁)/√(1−β₂)·sign g.
type AdaptiveRank struct {
	// Every is the check period in steps (≥ 1).
	Every int
	// Tol ∈ (0,1): keep σᵢ ≥ Tol·σ₁.
	Tol float64
	// MinRank is the smallest rank kept (default 1).
	MinRank int
	// Log records every check (also written to History.Events when the rank changes).
	Log []RankRecord
}

// NewAdaptiveRank validates the settings and returns the hook.
func NewAdaptiveRank(every int, tol float64) (*AdaptiveRank, error) {
	if every < 1 {
		return nil, fmt.Errorf("adapt: adaptive-rank period %d out of range: need ≥ 1 steps", every)
	}
	if !(tol > 0 && tol < 1) {
		return nil, fmt.Errorf("adapt: adaptive-rank tolerance %v out of range (0, 1)", tol)
	}
	return &AdaptiveRank{Every: every, Tol: tol, MinRank: 1}, nil
}

// AfterStep implements solve.Hook.
func (a *AdaptiveRank) AfterStep(r *solve.Run, step int) error {
	if a.Every < 1 || !(a.Tol > 0 && a.Tol < 1) {
		return fmt.Errorf("adapt: adaptive rank needs Every ≥ 1 and Tol ∈ (0,1), got %d and %v (use NewAdaptiveRank)", a.Every, a.Tol)
	}
	if step%a.Every != 0 {
		return nil
	}
	return a.Apply(r, step)
}

// Apply runs one truncation now.
func (a *AdaptiveRank) Apply(r *solve.Run, step int) error {
	changed := false
	for _, i := range r.Net.SVDLayers() {
		old := readFactors(r.Ctx, i)
		rot, err := rotate(old)
		if err != nil {
			return err
		}
		from := len(old.s)
		k := 0
		for _, s := range rot.s {
			if s >= a.Tol*rot.s[0] {
				k++
			}
		}
		k = max(k, a.MinRank, 1)
		k = min(k, from)
		a.Log = append(a.Log, RankRecord{Step: step, Layer: i, From: from, To: k, Sigma1: rot.s[0]})
		if k == from {
			continue
		}
		if err := replace(r, i, old, rot.truncate(k)); err != nil {
			return err
		}
		l := &r.Net.Layers[i]
		l.Rank = k
		l.Params, l.MAdds = k*(l.In+l.Out+1), k*(l.In+l.Out+1)
		if !l.Spec.NoBias {
			l.Params += l.Out
		}
		r.History.Events = append(r.History.Events, fmt.Sprintf("step %d: adaptive rank %s %d→%d (σ₁=%.3g, tol %g)", step, l.Name, from, k, rot.s[0], a.Tol))
		changed = true
	}
	if changed {
		r.Invalidate()
	}
	return nil
}

// Ranks returns the current kept rank of every SVD layer of the run.
func Ranks(r *solve.Run) []int {
	var out []int
	for _, i := range r.Net.SVDLayers() {
		out = append(out, r.Net.Layers[i].Rank)
	}
	return out
}

// QRRetraction is a hook that every Every steps maps each SVD layer back onto
// orthonormal factors without changing W: U = Q_U·R_U, V = Q_V·R_V, R_U·diag(s)·R_Vᵀ =
// A·Σ·Bᵀ, then U ← Q_U·A, s ← Σ, V ← Q_V·B. Adam's moments are mapped as in
// AdaptiveRank. Shapes do not change, so no recompilation is needed.
type QRRetraction struct {
	Every int
}

// AfterStep implements solve.Hook.
func (q *QRRetraction) AfterStep(r *solve.Run, step int) error {
	if q.Every < 1 {
		return fmt.Errorf("adapt: QR retraction period %d out of range: need ≥ 1 steps", q.Every)
	}
	if step%q.Every != 0 {
		return nil
	}
	return Retract(r)
}

// Retract applies the QR retraction to every SVD layer of the run now.
func Retract(r *solve.Run) error {
	for _, i := range r.Net.SVDLayers() {
		old := readFactors(r.Ctx, i)
		rot, err := rotate(old)
		if err != nil {
			return err
		}
		if err := replace(r, i, old, rot); err != nil {
			return err
		}
	}
	return nil
}

// OrthoPenalty returns the regularizer μ·Σ_layers (‖UᵀU − I‖²_F + ‖VᵀV − I‖²_F) over the
// SVD layers of a network, named "ortho". It is computed as ‖XᵀX‖²_F − 2‖X‖²_F + r
// (no identity matrix needed) and reads the current rank from the variables, so it
// follows adaptive rank changes.
func OrthoPenalty(mu float64, layers []int) (solve.Regularizer, error) {
	if !(mu > 0) || mu > 1e12 {
		return solve.Regularizer{}, fmt.Errorf("adapt: orthogonality weight μ=%v out of range: need a finite μ > 0", mu)
	}
	if len(layers) == 0 {
		return solve.Regularizer{}, fmt.Errorf("adapt: orthogonality penalty needs at least one SVD layer")
	}
	return solve.Regularizer{Name: "ortho", Loss: func(ctx *context.Context, g *Graph) *Node {
		var total *Node
		for _, i := range layers {
			scope := layerScope(ctx, i)
			for _, name := range []string{"u", "v"} {
				v := ctx.InspectVariable(scope, name)
				if v == nil {
					panic(fmt.Sprintf("adapt: variable %s/%s not found", scope, name))
				}
				x := v.ValueGraph(g)
				rk := float64(x.Shape().Dimensions[1])
				gram := Dot(Transpose(x, 0, 1), x)
				e := AddScalar(Sub(ReduceAllSum(Square(gram)), MulScalar(ReduceAllSum(Square(x)), 2)), rk)
				if total == nil {
					total = e
				} else {
					total = Add(total, e)
				}
			}
		}
		return MulScalar(total, mu)
	}}, nil
}

// FreezeBases makes U and V of every SVD layer non-trainable (s, biases and the dense
// layers keep training) and rebuilds the graphs. Used for parameterised transfer:
// keep the learned bases, re-fit only the spectrum and the rest.
func FreezeBases(r *solve.Run) error {
	layers := r.Net.SVDLayers()
	if len(layers) == 0 {
		return fmt.Errorf("adapt: the network has no SVD layer to freeze")
	}
	for _, i := range layers {
		for _, name := range []string{"u", "v"} {
			v := r.Ctx.InspectVariable(layerScope(r.Ctx, i), name)
			if v == nil {
				return fmt.Errorf("adapt: variable %s/%s not found", layerScope(r.Ctx, i), name)
			}
			v.SetTrainable(false)
		}
	}
	r.Invalidate()
	return nil
}

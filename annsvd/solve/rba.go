package solve

import (
	"fmt"
	"math"
	"slices"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// RBAConfig configures residual-based attention (RBA; Anagnostopoulos, Toscano,
// Stergiopulos & Karniadakis, "Residual-based attention in physics-informed neural
// networks", CMAME 421, 2024): every point i of an attended term carries a multiplier
// λᵢ, the term's loss becomes mean((λᵢ·rᵢ)²), and after each Adam step
//
//	λᵢ ← γ·λᵢ + η·|rᵢ|/maxⱼ|rⱼ|
//
// with the residuals r of that step (computed in the step's graph, no extra
// evaluation). λ is bounded by η/(1−γ) and tends to it at the points of largest
// residual. The multipliers are not trained: they are non-trainable variables (saved
// in checkpoints) under the scope RBAScope.
//
// In the quasi-Newton phase the objective must stay fixed inside a line search, so λ
// is frozen during each minimisation. Between rounds (Config.QN rounds of a RAD hook
// with LBFGSEvery, or explicit calls of UpdateRBA) λ takes the update of the n
// iterations of the round at once, with the residuals at the round's end:
// λ ← γⁿ·λ + η·(1−γⁿ)/(1−γ)·|r|/max|r| (the rule applied n times with r held). The
// dense methods keep their H across that change as across a resampling; a failed line
// search resets it. Resampled points (RAD) start again from λ₀.
type RBAConfig struct {
	// Eta η > 0 is the learning rate of the multipliers (0: RBA off; the paper's
	// value is 0.01).
	Eta float64 `json:"eta,omitempty"`
	// Gamma γ ∈ [0, 1) is their decay (0: 0.999, the paper's).
	Gamma float64 `json:"gamma,omitempty"`
	// Init λ₀ ≥ 0 is their initial value (0: 1; set a negative value for λ₀ = 0).
	Init float64 `json:"init,omitempty"`
	// Terms names the attended terms (empty: "pde").
	Terms []string `json:"terms,omitempty"`
}

// RBAScope is the variable scope of the RBA multipliers ("lambda<term index>").
const RBAScope = "rba"

// On reports whether RBA is configured.
func (c RBAConfig) On() bool { return c.Eta != 0 }

func (c RBAConfig) withDefaults() RBAConfig {
	if c.Gamma == 0 {
		c.Gamma = 0.999
	}
	switch {
	case c.Init == 0:
		c.Init = 1
	case c.Init < 0:
		c.Init = 0
	}
	if len(c.Terms) == 0 {
		c.Terms = []string{"pde"}
	}
	return c
}

// Validate checks the settings (terms are checked against the problem by NewRun).
func (c RBAConfig) Validate() error {
	if !c.On() {
		return nil
	}
	if !(c.Eta > 0) || math.IsInf(c.Eta, 0) {
		return fmt.Errorf("solve: RBA η %v out of range: need a finite η > 0", c.Eta)
	}
	if !(c.Gamma >= 0 && c.Gamma < 1) {
		return fmt.Errorf("solve: RBA γ %v out of range: need γ ∈ [0, 1)", c.Gamma)
	}
	if math.IsNaN(c.Init) || math.IsInf(c.Init, 0) {
		return fmt.Errorf("solve: RBA λ₀ %v out of range: need a finite λ₀ ≥ 0", c.Init)
	}
	return nil
}

func rbaName(ti int) string { return fmt.Sprintf("lambda%d", ti) }

// setupRBA creates the multipliers of the attended terms (λ₀ at every point).
func (r *Run) setupRBA() error {
	c := r.Config.RBA
	if !c.On() {
		return nil
	}
	c = c.withDefaults()
	for _, name := range c.Terms {
		ti := slices.Index(r.names, name)
		if ti < 0 || ti >= len(r.Terms) {
			return fmt.Errorf("solve: RBA term %q unknown (terms: %s)", name, termNames(r.Terms))
		}
		if err := r.resetRBA(ti); err != nil {
			return err
		}
	}
	return nil
}

// rbaVar returns term ti's multipliers (nil when the term is not attended).
func (r *Run) rbaVar(ctx *context.Context, ti int) *context.Variable {
	if !r.Config.RBA.On() {
		return nil
	}
	return ctx.InspectVariable("/"+RBAScope, rbaName(ti))
}

// resetRBA sets term ti's multipliers to λ₀ at its current points.
func (r *Run) resetRBA(ti int) error {
	n := len(r.Terms[ti].Points)
	lam := make([]float64, n)
	for i := range lam {
		lam[i] = r.Config.RBA.withDefaults().Init
	}
	t := annsvd.TensorOf(lam, r.Config.DType, n, 1)
	if v := r.rbaVar(r.Ctx, ti); v != nil {
		return v.SetValue(t)
	}
	r.Ctx.In(RBAScope).Checked(false).VariableWithValue(rbaName(ti), t).SetTrainable(false)
	return nil
}

// rbaGraph returns λ·λ for the term's squared residual and, in an Adam step (update
// true), sets λ to the next multipliers from the residual res.
func rbaGraph(v *context.Variable, res *Node, gamma, eta float64, update bool) *Node {
	lam := v.ValueGraph(res.Graph())
	if update {
		a := Abs(StopGradient(res))
		next := Add(MulScalar(lam, gamma), MulScalar(Div(a, ReduceAllMax(a)), eta))
		v.SetValueGraph(next)
	}
	return Square(lam)
}

// UpdateRBA applies n updates of the multipliers at once with the current residuals:
// λ ← γⁿ·λ + η·(1−γⁿ)/(1−γ)·|r|/max|r| (between quasi-Newton rounds; see RBAConfig).
func (r *Run) UpdateRBA(n int) error {
	c := r.Config.RBA.withDefaults()
	if !r.Config.RBA.On() || n <= 0 {
		return nil
	}
	gn := math.Pow(c.Gamma, float64(n))
	for ti := range r.Terms {
		v := r.rbaVar(r.Ctx, ti)
		if v == nil {
			continue
		}
		res, err := r.Residuals(ti, r.Terms[ti].Points)
		if err != nil {
			return err
		}
		mx := 0.0
		for _, x := range res {
			mx = math.Max(mx, math.Abs(x))
		}
		if mx == 0 {
			continue
		}
		lam := annsvd.TensorFloat64s(v.MustValue())
		for i := range lam {
			lam[i] = gn*lam[i] + c.Eta*(1-gn)/(1-c.Gamma)*math.Abs(res[i])/mx
		}
		if err := v.SetValue(annsvd.TensorOf(lam, r.Config.DType, len(lam), 1)); err != nil {
			return err
		}
	}
	return nil
}

// RBAMultipliers returns the multipliers λ of the named term (nil when it is not
// attended).
func (r *Run) RBAMultipliers(term string) []float64 {
	v := r.rbaVar(r.Ctx, slices.Index(r.names, term))
	if v == nil {
		return nil
	}
	return annsvd.TensorFloat64s(v.MustValue())
}

// Package adapt holds training hooks and loss terms that act on the SVD factors of a
// network during training (package annsvd/solve): adaptive rank truncation, QR
// retraction of U and V onto orthonormal bases, an orthogonality penalty, an
// orthogonality log, and freezing the bases for transfer learning.
//
// All factor surgery happens on the host with gonum and keeps W = U·diag(s)·Vᵀ (up to
// the dropped singular values). Adam's moments of the changed variables are carried
// into the new coordinates (see [MapMoments]) and Adam's step counter is kept.
package adapt

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"
)

// factors are the host copies of one SVD layer: U (m×r), s (r), V (n×r).
type factors struct {
	u, v *mat.Dense
	s    []float64
}

func layerScope(ctx *context.Context, layer int) string {
	return context.JoinScope(ctx.In(annsvd.NetScope).Scope(), annsvd.LayerScope(layer))
}

func readFactors(ctx *context.Context, layer int) factors {
	return factors{u: annsvd.VarMatrix(ctx, layer, annsvd.VarU), v: annsvd.VarMatrix(ctx, layer, annsvd.VarV),
		s: annsvd.VarMatrix(ctx, layer, annsvd.VarS).RawMatrix().Data}
}

func tensorOf(m *mat.Dense, dt dtypes.DType) *tensors.Tensor {
	r, c := m.Dims()
	data := make([]float64, 0, r*c)
	for i := range r {
		for j := range c {
			data = append(data, m.At(i, j))
		}
	}
	return annsvd.TensorOf(data, dt, r, c)
}

func setVar(ctx *context.Context, layer int, name string, m *mat.Dense, dt dtypes.DType) error {
	v := ctx.InspectVariable(layerScope(ctx, layer), name)
	if v == nil {
		return fmt.Errorf("adapt: variable %s/%s not found", layerScope(ctx, layer), name)
	}
	// Variable.SetValue accepts a value of a new shape (the variable takes its shape).
	if err := v.SetValue(tensorOf(m, dt)); err != nil {
		return fmt.Errorf("adapt: setting %s: %w", v.ScopeAndName(), err)
	}
	return nil
}

// momentVars returns Adam's first and second moment variables of a network variable,
// or nil when Adam has not created them yet.
func momentVars(ctx *context.Context, layer int, name string) (m1, m2 *context.Variable) {
	scope := "/" + optimizers.AdamDefaultScope + layerScope(ctx, layer)
	return ctx.InspectVariable(scope, name+"_1st_moment"), ctx.InspectVariable(scope, name+"_2nd_moment")
}

// rotate re-factorises the layer: W = U·diag(s)·Vᵀ is formed as Q_U·(R_U·diag(s)·R_Vᵀ)·Q_Vᵀ
// with thin QRs U = Q_U·R_U, V = Q_V·R_V, and the small r×r core is decomposed by SVD,
// A·Σ·Bᵀ. The result U' = Q_U·A, s' = Σ, V' = Q_V·B has orthonormal columns, sorted
// non-negative s', and U'·diag(s')·V'ᵀ = W exactly (to rounding).
func rotate(f factors) (factors, error) {
	m, r := f.u.Dims()
	n, _ := f.v.Dims()
	if r > m || r > n {
		return factors{}, fmt.Errorf("adapt: rank %d exceeds the layer dimensions %d×%d", r, m, n)
	}
	var qu, qv mat.QR
	qu.Factorize(f.u)
	qv.Factorize(f.v)
	var QU, RU, QV, RV mat.Dense
	qu.QTo(&QU)
	qu.RTo(&RU)
	qv.QTo(&QV)
	qv.RTo(&RV)
	ru := mat.DenseCopyOf(RU.Slice(0, r, 0, r))
	rv := mat.DenseCopyOf(RV.Slice(0, r, 0, r))
	for j := range r {
		for i := range r {
			ru.Set(i, j, ru.At(i, j)*f.s[j])
		}
	}
	var core mat.Dense
	core.Mul(ru, rv.T())
	a, sigma, b, err := annsvd.Factorize(&core)
	if err != nil {
		return factors{}, err
	}
	var nu, nv mat.Dense
	nu.Mul(QU.Slice(0, m, 0, r), a)
	nv.Mul(QV.Slice(0, n, 0, r), b)
	return factors{u: &nu, v: &nv, s: sigma}, nil
}

// truncate keeps the first k triplets.
func (f factors) truncate(k int) factors {
	m, _ := f.u.Dims()
	n, _ := f.v.Dims()
	return factors{u: mat.DenseCopyOf(f.u.Slice(0, m, 0, k)), v: mat.DenseCopyOf(f.v.Slice(0, n, 0, k)), s: append([]float64(nil), f.s[:k]...)}
}

// coords returns P (r×k) with new ≈ old·P, the least-squares coordinates of the new
// columns in the old ones: P = (oldᵀold)⁻¹·oldᵀ·new.
func coords(old, nw *mat.Dense) (*mat.Dense, error) {
	var g, rhs, p mat.Dense
	g.Mul(old.T(), old)
	rhs.Mul(old.T(), nw)
	if err := p.Solve(&g, &rhs); err != nil {
		return nil, fmt.Errorf("adapt: basis change is singular: %w", err)
	}
	return &p, nil
}

// MapMoments carries Adam's moments of a factor X (rows × r) into new coordinates
// X' = X·P (P r×k): the first moment maps like the parameter, m₁' = m₁·P, and the
// second (element-wise) moment with the squared coefficients, m₂' = m₂·(P∘P). Both are
// exact when P is a signed permutation — the usual case, since re-factorising nearly
// orthonormal factors only re-orders and flips columns — and keep the moments
// consistent in shape otherwise.
func MapMoments(m1, m2, p *mat.Dense) (n1, n2 *mat.Dense) {
	r, k := p.Dims()
	p2 := mat.NewDense(r, k, nil)
	p2.MulElem(p, p)
	n1, n2 = new(mat.Dense), new(mat.Dense)
	n1.Mul(m1, p)
	n2.Mul(m2, p2)
	return n1, n2
}

// replace writes new factors into the layer's variables and maps Adam's moments:
// U and V moments by MapMoments with P_U, P_V; s' = s·(P_U∘P_V) so the s moments map
// with that product (first) and its square (second).
func replace(r *solve.Run, layer int, old, nw factors) error {
	ctx, dt := r.Ctx, r.Config.DType
	pu, err := coords(old.u, nw.u)
	if err != nil {
		return err
	}
	pv, err := coords(old.v, nw.v)
	if err != nil {
		return err
	}
	rk, k := pu.Dims()
	ps := mat.NewDense(rk, k, nil)
	ps.MulElem(pu, pv)
	for _, item := range []struct {
		name string
		p    *mat.Dense
	}{{"u", pu}, {"v", pv}, {"s", ps}} {
		m1, m2 := momentVars(ctx, layer, item.name)
		if m1 == nil || m2 == nil || !m1.HasValue() || !m2.HasValue() {
			continue
		}
		a1, a2 := annsvd.TensorFloat64s(m1.MustValue()), annsvd.TensorFloat64s(m2.MustValue())
		rows := len(a1) / rk
		n1, n2 := MapMoments(mat.NewDense(rows, rk, a1), mat.NewDense(rows, rk, a2), item.p)
		mdt := m1.Shape().DType
		if err := m1.SetValue(tensorOf(n1, mdt)); err != nil {
			return fmt.Errorf("adapt: %w", err)
		}
		if err := m2.SetValue(tensorOf(n2, mdt)); err != nil {
			return fmt.Errorf("adapt: %w", err)
		}
	}
	if err := setVar(ctx, layer, "u", nw.u, dt); err != nil {
		return err
	}
	if err := setVar(ctx, layer, "v", nw.v, dt); err != nil {
		return err
	}
	return setVar(ctx, layer, "s", mat.NewDense(1, len(nw.s), nw.s), dt)
}

// OrthoRecord is ‖UᵀU − I‖_F and ‖VᵀV − I‖_F of one SVD layer at a step.
type OrthoRecord struct {
	Step  int     `json:"step"`
	Layer int     `json:"layer"`
	U     float64 `json:"u"`
	V     float64 `json:"v"`
}

// OrthoLog is a hook recording the orthogonality errors of every SVD layer every Every
// steps (also as History.Events lines).
type OrthoLog struct {
	Every   int
	Records []OrthoRecord
}

// AfterStep implements solve.Hook.
func (o *OrthoLog) AfterStep(r *solve.Run, step int) error {
	if o.Every <= 0 || step%o.Every != 0 {
		return nil
	}
	o.Record(r, step)
	return nil
}

// Record appends the current orthogonality errors at step.
func (o *OrthoLog) Record(r *solve.Run, step int) {
	for _, i := range r.Net.SVDLayers() {
		u, v := annsvd.OrthoError(r.Ctx, i)
		o.Records = append(o.Records, OrthoRecord{Step: step, Layer: i, U: u, V: v})
		r.History.Events = append(r.History.Events, fmt.Sprintf("step %d: ortho %s ‖UᵀU−I‖=%.3g ‖VᵀV−I‖=%.3g", step, r.Net.Layers[i].Name, u, v))
	}
}

// MaxOrtho returns the largest of ‖UᵀU − I‖_F and ‖VᵀV − I‖_F over the SVD layers of
// the run now.
func MaxOrtho(r *solve.Run) float64 {
	worst := 0.0
	for _, i := range r.Net.SVDLayers() {
		u, v := annsvd.OrthoError(r.Ctx, i)
		worst = math.Max(worst, math.Max(u, v))
	}
	return worst
}

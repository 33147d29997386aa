package solve

import (
	"errors"
	"fmt"
	"slices"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Predict evaluates u (with the problem's hard constraint) at the points.
func (r *Run) Predict(points [][]float64) ([]float64, error) {
	dim := len(r.Problem.Coords)
	if err := annsvd.CheckPoints("prediction points", points, dim); err != nil {
		return nil, err
	}
	if r.predExec == nil {
		e, err := context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, x []*Node) *Node {
			xj := annsvd.CoordJets(x, annsvd.Derivs{})
			return r.Problem.Solution(xj, r.Net.Forward(ctx, xj)).V
		})
		if err != nil {
			return nil, fmt.Errorf("solve: building the prediction graph: %w", err)
		}
		r.predExec = e
	}
	outs, err := r.execOn(r.predExec, points)
	if err != nil {
		return nil, fmt.Errorf("solve: prediction: %w", err)
	}
	return annsvd.TensorFloat64s(outs[0]), nil
}

// PredictDerivs is Predict when d asks for no derivative (the graph a trained run's
// prediction came from), PredictJet otherwise.
func (r *Run) PredictDerivs(points [][]float64, d annsvd.Derivs) (u []float64, first, second [][]float64, err error) {
	if len(d.First)+len(d.Second) == 0 {
		u, err = r.Predict(points)
		return u, nil, nil, err
	}
	return r.PredictJet(points, d)
}

// execOn runs e on the points' coordinate columns (in the run's dtype).
func (r *Run) execOn(e *context.Exec, points [][]float64) ([]*tensors.Tensor, error) {
	cols := columns(points, len(r.Problem.Coords), r.Config.DType)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	return e.Exec(args...)
}

// PredictJet evaluates u (with the problem's hard constraint) and the derivatives d at
// the points, by the run's derivative method: u, then ∂u/∂x_i for each i in d.First
// and ∂²u/∂x_i² for each i in d.Second, each of length len(points) (zeros where the
// derivative vanishes identically). The graph is built for each call.
func (r *Run) PredictJet(points [][]float64, d annsvd.Derivs) (u []float64, first, second [][]float64, err error) {
	dim := len(r.Problem.Coords)
	if err := annsvd.CheckPoints("prediction points", points, dim); err != nil {
		return nil, nil, nil, err
	}
	for _, i := range append(slices.Clone(d.First), d.Second...) {
		if i < 0 || i >= dim {
			return nil, nil, nil, fmt.Errorf("solve: derivative coordinate %d out of range [0, %d)", i, dim)
		}
	}
	if len(d.Laplacian) > 0 {
		return nil, nil, nil, errors.New("solve: PredictJet takes First and Second derivatives, not Laplacian")
	}
	e, err := context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, x []*Node) []*Node {
		j := r.solution(ctx, x, d)
		outs := []*Node{j.V}
		pick := func(n *Node) *Node {
			if n == nil {
				return ZerosLike(j.V)
			}
			return n
		}
		for _, i := range d.First {
			outs = append(outs, pick(j.D[i]))
		}
		for _, i := range d.Second {
			outs = append(outs, pick(j.DD[i]))
		}
		return outs
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("solve: building the prediction graph: %w", err)
	}
	outs, err := r.execOn(e, points)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("solve: prediction: %w", err)
	}
	u = annsvd.TensorFloat64s(outs[0])
	for k := range d.First {
		first = append(first, annsvd.TensorFloat64s(outs[1+k]))
	}
	for k := range d.Second {
		second = append(second, annsvd.TensorFloat64s(outs[1+len(d.First)+k]))
	}
	return u, first, second, nil
}

// ErrNoReference is wrapped by Evaluate's error for a problem without a reference
// solution (annsvd.Problem.Reference nil).
var ErrNoReference = errors.New("no reference solution: error metrics not computed")

// Evaluate predicts on the problem's reference set and returns the error metrics. The
// reference set is built on the first call and reused (RAD evaluates every round).
func (r *Run) Evaluate() (annsvd.Metrics, *annsvd.EvalSet, []float64, error) {
	if r.Problem.Reference == nil {
		return annsvd.Metrics{}, nil, nil, fmt.Errorf("solve: problem %s: %w", r.Problem.Name, ErrNoReference)
	}
	if r.ref == nil {
		ref, err := r.Problem.Reference()
		if err != nil {
			return annsvd.Metrics{}, nil, nil, err
		}
		r.ref = ref
	}
	ref := r.ref
	pred, err := r.Predict(ref.Points)
	if err != nil {
		return annsvd.Metrics{}, nil, nil, err
	}
	m, err := annsvd.Compare(pred, ref.U)
	return m, ref, pred, err
}

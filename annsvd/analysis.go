package annsvd

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

// VarMatrix copies a rank-2 (or rank-1) variable of the network to a host matrix.
func VarMatrix(ctx *context.Context, layer int, name string) *mat.Dense {
	return tensorMatrix(variable(ctx, layer, name).MustValue())
}

func tensorMatrix(t *tensors.Tensor) *mat.Dense {
	dims := t.Shape().Dimensions
	r, c := 1, t.Shape().Size()
	if len(dims) == 2 {
		r, c = dims[0], dims[1]
	}
	return mat.NewDense(r, c, TensorFloat64s(t))
}

// TensorFloat64s returns the flat data of a float32 or float64 tensor as float64.
func TensorFloat64s(t *tensors.Tensor) []float64 {
	var out []float64
	t.MustConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float64:
			out = append([]float64(nil), f...)
		case []float32:
			out = make([]float64, len(f))
			for i, v := range f {
				out[i] = float64(v)
			}
		default:
			panic(fmt.Sprintf("annsvd: tensor of dtype %s is not float32/float64", t.DType()))
		}
	})
	return out
}

// LayerWeight returns the current weight W (m×n) of linear map i: the variable itself for
// dense maps, U·diag(s)·Vᵀ for SVD maps (formed on the host, for analysis only).
func LayerWeight(ctx *context.Context, layer int) *mat.Dense {
	scope := context.JoinScope(ctx.In(NetScope).Scope(), LayerScope(layer))
	if ctx.InspectVariable(scope, VarW) != nil {
		return VarMatrix(ctx, layer, VarW)
	}
	u, s, v := VarMatrix(ctx, layer, VarU), VarMatrix(ctx, layer, VarS), VarMatrix(ctx, layer, VarV)
	us := mat.DenseCopyOf(u)
	for j := range s.RawMatrix().Data {
		us.ColView(j)
		col := mat.Col(nil, j, us)
		for i := range col {
			us.Set(i, j, col[i]*s.RawMatrix().Data[j])
		}
	}
	var w mat.Dense
	w.Mul(us, v.T())
	return &w
}

// SingularValues returns the singular values (descending) of the current weight of
// linear map i (U·diag(s)·Vᵀ for SVD layers; note s itself need not stay sorted or
// positive during training).
func SingularValues(ctx *context.Context, layer int) ([]float64, error) {
	_, sigma, _, err := Factorize(LayerWeight(ctx, layer))
	return sigma, err
}

// OrthoError returns ‖UᵀU − I‖_F and ‖VᵀV − I‖_F of SVD layer i (0, 0 for dense maps).
func OrthoError(ctx *context.Context, layer int) (uErr, vErr float64) {
	scope := context.JoinScope(ctx.In(NetScope).Scope(), LayerScope(layer))
	if ctx.InspectVariable(scope, VarU) == nil {
		return 0, 0
	}
	return gramError(VarMatrix(ctx, layer, VarU)), gramError(VarMatrix(ctx, layer, VarV))
}

func gramError(a *mat.Dense) float64 {
	var g mat.Dense
	g.Mul(a.T(), a)
	r, _ := g.Dims()
	for i := range r {
		g.Set(i, i, g.At(i, i)-1)
	}
	return mat.Norm(&g, 2)
}

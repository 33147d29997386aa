package annsvd

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Variable names inside a layer's scope: one place for every package that reads them.
const (
	VarW = "w" // dense weight W (m×n)
	VarB = "b" // bias (1×n)
	VarU = "u" // SVD factor U (m×r)
	VarS = "s" // singular values s (1×r)
	VarV = "v" // SVD factor V (n×r), W = U·diag(s)·Vᵀ
)

// SVDInit is the initial SVD form of one m×n layer: the SVD of a Glorot-uniform W,
// truncated to the rank the spec keeps.
type SVDInit struct {
	M, N, Rank int
	// U (m×r) and V (n×r) in row-major order; Sigma holds all min(m,n) initial singular
	// values, descending (the first Rank are kept).
	U, V, Sigma []float64
}

// InitSVD draws a Glorot-uniform m×n W from rng, factorises it and keeps the rank spec
// asks for (an error names an out-of-range rank or threshold).
func InitSVD(rng *rand.Rand, m, n int, spec LayerSpec) (SVDInit, error) {
	return initSVDOf(glorot(rng, m, n), spec)
}

// initSVDOf is InitSVD of a given W.
func initSVDOf(w *mat.Dense, spec LayerSpec) (SVDInit, error) {
	m, n := w.Dims()
	u, sigma, v, err := Factorize(w)
	if err != nil {
		return SVDInit{}, err
	}
	r, err := spec.KeptRank(sigma)
	if err != nil {
		return SVDInit{}, err
	}
	return SVDInit{M: m, N: n, Rank: r, U: rowMajor(u, r), V: rowMajor(v, r), Sigma: sigma}, nil
}

// CreateVariables creates u, s, v (and a zero bias b unless noBias) in ctx with the
// initial values, in dtype dt.
func (f SVDInit) CreateVariables(ctx *context.Context, dt dtypes.DType, noBias bool) {
	r := f.Rank
	ctx.VariableWithValue(VarU, TensorOf(f.U, dt, f.M, r))
	ctx.VariableWithValue(VarS, TensorOf(f.Sigma[:r], dt, 1, r))
	ctx.VariableWithValue(VarV, TensorOf(f.V, dt, f.N, r))
	if !noBias {
		ctx.VariableWithValue(VarB, TensorOf(make([]float64, f.N), dt, 1, f.N))
	}
}

// SVDWeight forms W = (U·diag(s))·Vᵀ from u [m, r], s [1, r], v [n, r].
func SVDWeight(u, s, v *Node) *Node { return Dot(Mul(u, s), Transpose(v, 0, 1)) }

// SVDFactored returns z·U·diag(s)·Vᵀ for z [rows, m] through the factors, without
// forming W: r(m+n+1) multiply-adds per row. vt is Vᵀ [r, n], transposed once by the
// caller so that several inputs (a jet's streams) share it.
func SVDFactored(z, u, s, vt *Node) *Node {
	if z.Rank() != 2 || u.Rank() != 2 || z.Shape().Dimensions[1] != u.Shape().Dimensions[0] {
		panic(fmt.Sprintf("annsvd: SVD product: input %s does not match U %s", z.Shape(), u.Shape()))
	}
	return Dot(Mul(Dot(z, u), s), vt)
}

// FormCheaper reports whether multiplying rows rows by an m×n rank-r layer costs fewer
// multiply-adds through W formed once (m·n·r + rows·m·n) than through the factors
// (rows·r(m+n+1)); ProductAuto's rule.
func FormCheaper(rows, m, n, r int) bool {
	return ProductAuto.formed(m, n, r) && !factoredRowsCheaper(rows, m, n, r)
}

// factoredRowsCheaper reports whether rows rows through the factors of an m×n rank-r
// layer cost fewer multiply-adds than forming W and multiplying by it.
func factoredRowsCheaper(rows, m, n, r int) bool { return rows*r*(m+n+1) < m*n*r+rows*m*n }

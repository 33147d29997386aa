package engine

import (
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var (
	vjpOnce sync.Once
	// gomlxDotVJP is GoMLX's own VJP for Dot, kept for the cases ours does not cover
	// and for tests.
	gomlxDotVJP VJP
)

// RegisterVJPs replaces GoMLX's VJP of Dot (which materialises an [N, in, out] broadcast
// and reduces it) by the matmul form: for Z = A·B with adjoint V,
//
//	∂/∂A = V·Bᵀ,  ∂/∂B = Aᵀ·V,
//
// written as DotGeneral contractions so that no transpose is materialised for ∂/∂A
// (the pure-Go backend multiplies [rows, contracted] by [cols, contracted] layouts).
//
// It is idempotent and called by New; the registration is process-wide (graph.VJPRegistration).
func RegisterVJPs() {
	vjpOnce.Do(func() {
		gomlxDotVJP = VJPRegistration[NodeTypeDot]
		VJPRegistration[NodeTypeDot] = MatMulDotVJP
	})
}

// GoMLXDotVJP returns GoMLX's original VJP of Dot (for comparisons in tests).
func GoMLXDotVJP() VJP { RegisterVJPs(); return gomlxDotVJP }

// MatMulDotVJP is the matmul-based VJP of Dot for two rank-2 operands and a scalar
// target; other cases defer to GoMLX's own implementation.
func MatMulDotVJP(node *Node, vjps []*Node, outputShape shapes.Shape) []*Node {
	in := node.Inputs()
	lhs, rhs, v := in[0], in[1], vjps[0]
	if lhs.Rank() != 2 || rhs.Rank() != 2 || outputShape.Rank() != 0 {
		return gomlxDotVJP(node, vjps, outputShape)
	}
	return []*Node{
		DotGeneral(v, []int{1}, nil, rhs, []int{1}, nil), // V·Bᵀ
		DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil), // Aᵀ·V
	}
}

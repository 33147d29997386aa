package solve

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Regularizer is a loss term computed from the variables alone (no points), e.g. the
// orthogonality penalty μ·(‖UᵀU − I‖² + ‖VᵀV − I‖²). It is added to the total loss as
// is (already weighted) and recorded in the history under Name, after the problem's
// terms.
type Regularizer struct {
	// Name of the term in the history; must differ from the problem's term names.
	Name string
	// Loss returns the scalar term in graph g, reading variables from ctx.
	Loss func(ctx *context.Context, g *Graph) *Node
}

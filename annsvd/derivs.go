package annsvd

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// DerivMethod selects how derivatives of u with respect to the inputs are computed.
type DerivMethod int

const (
	// DerivForward propagates value, ∂/∂xᵢ and ∂²/∂xᵢ² forward through the network as a
	// Jet (default: one reverse pass for the parameter gradients on top).
	DerivForward DerivMethod = iota
	// DerivAutodiff differentiates u with nested graph.Gradient (the reference path).
	DerivAutodiff
)

// String returns "forward" or "autodiff".
func (m DerivMethod) String() string {
	if m == DerivAutodiff {
		return "autodiff"
	}
	return "forward"
}

// ParseDerivMethod parses "forward" or "autodiff".
func ParseDerivMethod(s string) (DerivMethod, error) {
	switch strings.ToLower(s) {
	case "forward", "jet", "":
		return DerivForward, nil
	case "autodiff", "gradient", "reverse":
		return DerivAutodiff, nil
	}
	return DerivForward, fmt.Errorf("annsvd: unknown derivative method %q (allowed: forward, autodiff)", s)
}

// AutodiffJet returns the jet of a scalar field u ([N,1], built from the coordinate nodes
// x, each [N,1]) with the derivatives d asks for, computed by nested graph.Gradient.
// Because row n of u depends only on row n of x, ∂(Σ u)/∂xᵢ is the per-point derivative.
func AutodiffJet(u *Node, x []*Node, d Derivs) Jet {
	if u.Rank() != 2 || u.Shape().Dimensions[1] != 1 {
		panic(fmt.Sprintf("annsvd: AutodiffJet needs u of shape [N,1], got %s", u.Shape()))
	}
	j := ConstJet(u, len(x))
	for i := range x {
		first, second := d.Needs(i)
		if !first {
			continue
		}
		j.D[i] = Gradient(ReduceAllSum(u), x[i])[0]
		inLap := d.InLaplacian(i)
		if !second && !inLap {
			continue
		}
		dd := Gradient(ReduceAllSum(j.D[i]), x[i])[0]
		if second {
			j.Second[i] = true
			j.DD[i] = dd
		}
		if inLap {
			j.InLap[i] = true
			j.Lap = addOpt(j.Lap, dd)
		}
	}
	return j
}

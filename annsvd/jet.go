package annsvd

import (
	"fmt"
	"slices"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Derivs lists which derivatives of u with respect to the input coordinates a loss term
// needs: First[i] for ∂u/∂xᵢ, Second[i] for ∂²u/∂xᵢ² (which implies First[i]) and
// Laplacian, the coordinates S of the partial Laplacian Δ_S u = Σ_{i∈S} ∂²u/∂xᵢ² (which
// implies First[i] for i ∈ S).
//
// Ask for Laplacian rather than Second when a residual only needs the sum: the forward
// jet then carries one Laplacian stream instead of |S| second-derivative streams, because
// the linear layers commute with the sum (Σᵢ ∂²z/∂xᵢ² = (Σᵢ ∂²h/∂xᵢ²)·W) and only the
// activation needs the per-coordinate first derivatives, Δσ(z) = σ'(z)·Δz + σ”(z)·Σᵢ(∂z/∂xᵢ)².
// For the 2-D Poisson problem this is 4 streams instead of 5; in d dimensions d+2 instead
// of 2d+1.
type Derivs struct {
	First, Second, Laplacian []int
}

// FirstOrder returns Derivs asking for ∂u/∂xᵢ for the given coordinates.
func FirstOrder(coords ...int) Derivs { return Derivs{First: coords} }

// Needs reports whether coordinate i needs first (and second) derivatives tracked.
func (d Derivs) Needs(i int) (first, second bool) {
	for _, j := range d.Second {
		if j == i {
			return true, true
		}
	}
	if d.InLaplacian(i) {
		return true, false
	}
	for _, j := range d.First {
		if j == i {
			return true, false
		}
	}
	return false, false
}

// InLaplacian reports whether coordinate i is one of the Laplacian's coordinates S.
func (d Derivs) InLaplacian(i int) bool {
	for _, j := range d.Laplacian {
		if j == i {
			return true
		}
	}
	return false
}

// Jet carries a field and its derivatives with respect to the input coordinates:
// V (shape [N, w]), D[i] = ∂V/∂xᵢ and DD[i] = ∂²V/∂xᵢ². A nil entry is a structural zero
// (not tracked, or identically zero). Derivative nodes may have shape [1, w] where they do
// not depend on the point (e.g. after the first linear layer); they broadcast.
//
// Jets are the forward-mode derivative propagation used by networks: every operation
// applies the chain rule for the value, first and pure second derivatives at once.
type Jet struct {
	V     *Node
	D, DD []*Node
	// Second[i] reports whether ∂²/∂xᵢ² is tracked (DD[i] may still be nil when it is zero).
	Second []bool
	// Lap is the partial Laplacian Σ_{i∈S} ∂²V/∂xᵢ² over the coordinates S with InLap[i]
	// (nil when it is identically zero or not tracked). See Derivs.Laplacian.
	Lap *Node
	// InLap[i] reports whether coordinate i belongs to S.
	InLap []bool
}

// Describe lists the derivatives d declares, named after the coordinates (x0, x1, …
// where names run short), e.g. "u_x, u_t, u_xx" or "u_x, u_y, Δu over x, y"; "none" when
// it declares none.
func (d Derivs) Describe(coords []string) string {
	name := func(i int) string {
		if i >= 0 && i < len(coords) {
			return coords[i]
		}
		return fmt.Sprintf("x%d", i)
	}
	var out, lap []string
	for _, i := range d.First {
		out = append(out, "u_"+name(i))
	}
	for _, i := range d.Second {
		out = append(out, "u_"+name(i)+name(i))
	}
	for _, i := range d.Laplacian {
		lap = append(lap, name(i))
	}
	if len(lap) > 0 {
		out = append(out, "Δu over "+strings.Join(lap, ", "))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// MissingDerivative is the panic value of a Jet accessor asked for a derivative the jet
// does not carry: the term that reads it must declare it in its Derivs. Training names
// the term and its declared derivatives (see solve).
type MissingDerivative struct {
	// Order is 1 (∂u/∂xᵢ), 2 (∂²u/∂xᵢ²) or 0 (the Laplacian); Coord is i.
	Order, Coord int
}

func (m MissingDerivative) Error() string {
	switch m.Order {
	case 1:
		return fmt.Sprintf("annsvd: ∂u/∂x%d is not in the jet: add coordinate %d to Derivs.First", m.Coord, m.Coord)
	case 2:
		return fmt.Sprintf("annsvd: ∂²u/∂x%d² is not in the jet: add coordinate %d to Derivs.Second", m.Coord, m.Coord)
	}
	return "annsvd: the Laplacian is not in the jet: list its coordinates in Derivs.Laplacian"
}

// Dx returns ∂u/∂xᵢ; it panics with MissingDerivative when the jet does not carry it.
func (j Jet) Dx(i int) *Node {
	if i < 0 || i >= len(j.D) || j.D[i] == nil {
		panic(MissingDerivative{Order: 1, Coord: i})
	}
	return j.D[i]
}

// Dxx returns ∂²u/∂xᵢ² (zeros when tracked and identically zero); it panics with
// MissingDerivative when the jet does not track it.
func (j Jet) Dxx(i int) *Node {
	if i < 0 || i >= len(j.Second) || !j.Second[i] {
		panic(MissingDerivative{Order: 2, Coord: i})
	}
	if j.DD[i] == nil {
		return ZerosLike(j.V)
	}
	return j.DD[i]
}

// Laplacian returns the partial Laplacian Σ_{i∈S} ∂²u/∂xᵢ² over Derivs.Laplacian's
// coordinates S (zeros when identically zero); it panics with MissingDerivative when no
// Laplacian is tracked.
func (j Jet) Laplacian() *Node {
	if !slices.Contains(j.InLap, true) {
		panic(MissingDerivative{})
	}
	if j.Lap == nil {
		return ZerosLike(j.V)
	}
	return j.Lap
}

func (j Jet) blank(v *Node) Jet {
	return Jet{V: v, D: make([]*Node, len(j.D)), DD: make([]*Node, len(j.DD)), Second: j.Second, InLap: j.InLap}
}

// sumSquaresOfLapD returns Σ_{i∈S} (∂V/∂xᵢ)², or nil when no such derivative is non-zero.
func (j Jet) sumSquaresOfLapD() *Node {
	var sum *Node
	for i, in := range j.InLap {
		if in && j.D[i] != nil {
			sum = addOpt(sum, Square(j.D[i]))
		}
	}
	return sum
}

// CoordJets returns the jets of the input coordinates x₀…x_{d−1} (each [N,1]): Vᵢ = xᵢ,
// Dᵢ[i] = 1 where d asks for derivatives of coordinate i.
func CoordJets(x []*Node, d Derivs) []Jet {
	jets := make([]Jet, len(x))
	second := make([]bool, len(x))
	inLap := make([]bool, len(x))
	for i := range x {
		_, second[i] = d.Needs(i)
		inLap[i] = d.InLaplacian(i)
	}
	for i, xi := range x {
		jets[i] = Jet{V: xi, D: make([]*Node, len(x)), DD: make([]*Node, len(x)), Second: second, InLap: inLap}
		if first, _ := d.Needs(i); first {
			jets[i].D[i] = OnesLike(xi)
		}
	}
	return jets
}

// ConstJet returns a jet with value v and no derivatives (dims coordinates).
func ConstJet(v *Node, dims int) Jet {
	return Jet{V: v, D: make([]*Node, dims), DD: make([]*Node, dims), Second: make([]bool, dims), InLap: make([]bool, dims)}
}

func addOpt(a, b *Node) *Node {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return Add(a, b)
}

func mulOpt(a, b *Node) *Node {
	if a == nil || b == nil {
		return nil
	}
	return Mul(a, b)
}

func (j Jet) mapLinear(f func(*Node) *Node) Jet {
	out := j.blank(f(j.V))
	for i := range j.D {
		if j.D[i] != nil {
			out.D[i] = f(j.D[i])
		}
		if j.DD[i] != nil {
			out.DD[i] = f(j.DD[i])
		}
	}
	if j.Lap != nil {
		out.Lap = f(j.Lap)
	}
	return out
}

func orSecond(a, b []bool) []bool {
	out := make([]bool, max(len(a), len(b)))
	for i := range out {
		out[i] = (i < len(a) && a[i]) || (i < len(b) && b[i])
	}
	return out
}

// Add returns a + b.
func (j Jet) Add(o Jet) Jet {
	out := j.blank(Add(j.V, o.V))
	out.Second = orSecond(j.Second, o.Second)
	out.InLap = orSecond(j.InLap, o.InLap)
	for i := range j.D {
		out.D[i] = addOpt(j.D[i], o.D[i])
		out.DD[i] = addOpt(j.DD[i], o.DD[i])
	}
	out.Lap = addOpt(j.Lap, o.Lap)
	return out
}

// Sub returns a − b.
func (j Jet) Sub(o Jet) Jet { return j.Add(o.Scale(-1)) }

// Scale returns c·a.
func (j Jet) Scale(c float64) Jet {
	return j.mapLinear(func(n *Node) *Node { return MulScalar(n, c) })
}

// AddConst returns a + c.
func (j Jet) AddConst(c float64) Jet {
	out := j
	out.V = AddScalar(j.V, c)
	return out
}

// Mul returns a·b with the product rule: (ab)' = a'b + ab', (ab)” = a”b + 2a'b' + ab”,
// Δ(ab) = Δa·b + a·Δb + 2 Σ_{i∈S} ∂a/∂xᵢ·∂b/∂xᵢ.
func (j Jet) Mul(o Jet) Jet {
	out := j.blank(Mul(j.V, o.V))
	out.Second = orSecond(j.Second, o.Second)
	out.InLap = orSecond(j.InLap, o.InLap)
	lap := addOpt(mulOpt(j.Lap, o.V), mulOpt(j.V, o.Lap))
	for i, in := range out.InLap {
		if cross := mulOpt(j.D[i], o.D[i]); in && cross != nil {
			lap = addOpt(lap, MulScalar(cross, 2))
		}
	}
	out.Lap = lap
	for i := range j.D {
		out.D[i] = addOpt(mulOpt(j.D[i], o.V), mulOpt(j.V, o.D[i]))
		if !out.Second[i] {
			continue
		}
		dd := addOpt(mulOpt(j.DD[i], o.V), mulOpt(j.V, o.DD[i]))
		if cross := mulOpt(j.D[i], o.D[i]); cross != nil {
			dd = addOpt(dd, MulScalar(cross, 2))
		}
		out.DD[i] = dd
	}
	return out
}

// Compose applies an elementwise function f with f(v) = fv, f'(v) = d1, f”(v) = d2
// (all nodes of V's shape) by the chain rule: (f∘a)' = f'·a', (f∘a)” = f'·a” + f”·a'²,
// Δ(f∘a) = f'·Δa + f”·Σ_{i∈S} (∂a/∂xᵢ)².
func (j Jet) Compose(fv, d1, d2 *Node) Jet {
	out := j.blank(fv)
	out.Lap = mulOpt(d1, j.Lap)
	if d2 != nil {
		if sq := j.sumSquaresOfLapD(); sq != nil {
			out.Lap = addOpt(out.Lap, Mul(d2, sq))
		}
	}
	for i := range j.D {
		out.D[i] = mulOpt(d1, j.D[i])
		if !j.Second[i] {
			continue
		}
		out.DD[i] = mulOpt(d1, j.DD[i])
		if j.D[i] != nil && d2 != nil {
			out.DD[i] = addOpt(out.DD[i], Mul(d2, Square(j.D[i])))
		}
	}
	return out
}

// Sin returns sin(a).
func (j Jet) Sin() Jet { s := Sin(j.V); return j.Compose(s, Cos(j.V), Neg(s)) }

// Cos returns cos(a).
func (j Jet) Cos() Jet { c := Cos(j.V); return j.Compose(c, Neg(Sin(j.V)), Neg(c)) }

// Exp returns exp(a).
func (j Jet) Exp() Jet { e := Exp(j.V); return j.Compose(e, e, e) }

// Activation is a hidden-layer nonlinearity σ with its first two derivatives.
type Activation int

const (
	// ActTanh is σ(z) = tanh z (default).
	ActTanh Activation = iota
	// ActSine is σ(z) = sin z.
	ActSine
	// ActSwish is σ(z) = z·sigmoid(z).
	ActSwish
)

// ActivationNames lists the accepted activation names.
const ActivationNames = "tanh, sin, swish"

// String returns the activation's name.
func (a Activation) String() string {
	switch a {
	case ActTanh:
		return "tanh"
	case ActSine:
		return "sin"
	case ActSwish:
		return "swish"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation parses tanh, sin or swish.
func ParseActivation(s string) (Activation, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "tanh":
		return ActTanh, nil
	case "sin", "sine":
		return ActSine, nil
	case "swish", "silu":
		return ActSwish, nil
	}
	return ActTanh, fmt.Errorf("annsvd: unknown activation %q (allowed: %s)", s, ActivationNames)
}

// Apply returns σ(a) as a jet; derivative factors σ', σ” are computed once and reused
// for every derivative stream.
func (a Activation) Apply(z Jet) Jet {
	need := z.Lap != nil
	for i := range z.D {
		need = need || z.D[i] != nil || z.DD[i] != nil
	}
	switch a {
	case ActSine:
		s := Sin(z.V)
		if !need {
			return z.Compose(s, nil, nil)
		}
		return z.Compose(s, Cos(z.V), Neg(s))
	case ActSwish:
		sg := Sigmoid(z.V)
		v := Mul(z.V, sg)
		if !need {
			return z.Compose(v, nil, nil)
		}
		ds := Mul(sg, OneMinus(sg))                                                                   // sigmoid'
		d1 := Add(sg, Mul(z.V, ds))                                                                   // s + z·s(1−s)
		d2 := Mul(ds, Add(Scalar(z.V.Graph(), z.V.DType(), 2), Mul(z.V, OneMinus(MulScalar(sg, 2))))) // s(1−s)(2 + z(1−2s))
		return z.Compose(v, d1, d2)
	default:
		t := Tanh(z.V)
		if !need {
			return z.Compose(t, nil, nil)
		}
		d1 := OneMinus(Square(t))         // 1 − tanh²
		d2 := MulScalar(Mul(t, d1), -2.0) // −2·tanh·(1 − tanh²)
		return z.Compose(t, d1, d2)
	}
}

// Eval returns σ(v) for a plain node.
func (a Activation) Eval(v *Node) *Node { return a.Apply(ConstJet(v, 0)).V }

package annsvd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

// NetScope is the context scope under which networks create their variables.
const NetScope = "net"

// Config describes a fully connected network Inputs → Widths… → Outputs whose
// hidden-to-hidden layers may be SVD-factorised.
type Config struct {
	// Inputs is the number of input coordinates (each fed as its own [N,1] node).
	Inputs int
	// Widths of the hidden layers, e.g. [50, 70].
	Widths []int
	// Outputs is the output dimension (1 for scalar PDEs).
	Outputs int
	// Activation of the hidden layers (ActTanh by default).
	Activation Activation
	// SVD maps a hidden-to-hidden index j (1-based: the map from hidden layer j to hidden
	// layer j+1) to its parameterisation. Missing indices are Dense. See DefaultSVD.
	SVD map[int]LayerSpec
	// DType of the variables: dtypes.Float32 (default when invalid) or dtypes.Float64.
	DType dtypes.DType
	// Seed of the host-side initialisation. Each layer draws from its own stream, so
	// changing one layer's mode leaves the others' initial weights unchanged.
	Seed uint64
	// Product chooses how SVD layers evaluate h·U·diag(s)·Vᵀ (ProductAuto by default).
	Product Product
	// Fourier, when Features > 0, feeds the first layer random Fourier features of the
	// coordinates instead of the coordinates themselves.
	Fourier Fourier
	// Periodic, when Modes > 0, feeds the first layer an exactly periodic embedding of
	// one coordinate (and the other coordinates as they are).
	Periodic Periodic
}

// Periodic configures an exactly periodic input embedding of coordinate Coord with
// period P (Dong & Ni, J. Comput. Phys. 435, 2021; Wang, Sankaran, Wang & Perdikaris,
// "An expert's guide to training PINNs", arXiv 2308.08468): x ↦ [cos(2πk·x/P),
// sin(2πk·x/P)], k = 1 … M, so that the network and all its x-derivatives are
// P-periodic by construction and no periodicity loss is needed. (For x ∈ [−L, L], P = 2L
// and the features are cos(kπx/L), sin(kπx/L).) The first layer maps the 2M features
// and the other coordinates: z = cos(ωx)·W_cos + sin(ωx)·W_sin + Σ_{i≠Coord} xᵢ·W[i,:] + b,
// ω = 2π·(1…M)/P; it is a composition of jets, so forward derivatives flow through it.
type Periodic struct {
	// Coord is the index of the periodic input coordinate.
	Coord int `json:"coord"`
	// Period P > 0.
	Period float64 `json:"period,omitempty"`
	// Modes M ≥ 1 (0: no embedding).
	Modes int `json:"modes,omitempty"`
}

// Periodic embedding variables of layer 0: the weights of the cosine and sine features
// (the other coordinates keep "w", with one row per coordinate other than Coord).
const (
	PeriodicCos = "w_pcos"
	PeriodicSin = "w_psin"
)

// Fourier configures a random Fourier-feature input embedding (Tancik et al., NeurIPS
// 2020; Wang, Wang & Perdikaris, CMAME 384, 2021): γ(x) = [sin(2π·x·B), cos(2π·x·B)]
// with B ∈ ℝ^{d×m}, Bᵢⱼ ~ N(0, σ²) drawn once from the network seed and kept fixed (a
// non-trainable variable, saved in checkpoints). The first layer maps the 2m features:
// z = sin(2π·x·B)·W_sin + cos(2π·x·B)·W_cos + b. Larger σ lets the network fit higher
// frequencies (and makes it more prone to noise); σ ≈ 1 … 10 for coordinates of order 1.
// The embedding is a composition of jets, so forward derivatives flow through it.
type Fourier struct {
	// Features m ≥ 1 (0: no embedding).
	Features int `json:"features,omitempty"`
	// Sigma σ > 0 is the standard deviation of the entries of B.
	Sigma float64 `json:"sigma,omitempty"`
}

// FourierScale is the name of the fixed B matrix of the Fourier embedding (in layer 0).
const FourierScale = "fourier_b"

// Product is the evaluation order of an SVD layer's z = h·U·diag(s)·Vᵀ. Both orders
// compute the same function of the same variables u, s, v with the same gradients;
// they differ only in cost.
type Product int

const (
	// ProductAuto picks, per layer, the cheaper of the two orders: Factored when
	// r(m+n) ≤ m·n (low rank, the method's point), Formed otherwise (Thin and other
	// high ranks, where the factored chain costs more per point than W itself) — except
	// for evaluations on so few rows (points × jet streams) that forming W would cost
	// more than the chain, e.g. inference on a few points.
	ProductAuto Product = iota
	// ProductFactored computes ((h·U)·diag(s))·Vᵀ per point: r(m+n+1) multiply-adds per
	// point, W is never formed.
	ProductFactored
	// ProductFormed forms W = (U·diag(s))·Vᵀ once per evaluation (m·n·r multiply-adds,
	// independent of the number of points) and then computes h·W: m·n per point.
	ProductFormed
)

// ProductNames lists the accepted Product names.
const ProductNames = "auto, factored, formed"

// String returns the name of the product order.
func (p Product) String() string {
	switch p {
	case ProductAuto:
		return "auto"
	case ProductFactored:
		return "factored"
	case ProductFormed:
		return "formed"
	}
	return fmt.Sprintf("Product(%d)", int(p))
}

// ParseProduct parses "auto", "factored" or "formed".
func ParseProduct(s string) (Product, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return ProductAuto, nil
	case "factored":
		return ProductFactored, nil
	case "formed":
		return ProductFormed, nil
	}
	return ProductAuto, fmt.Errorf("annsvd: unknown SVD product order %q (allowed: %s)", s, ProductNames)
}

// formed reports whether an m×n layer of rank r is evaluated by forming W.
func (p Product) formed(m, n, r int) bool {
	switch p {
	case ProductFactored:
		return false
	case ProductFormed:
		return true
	}
	return r*(m+n) > m*n
}

// DefaultSVD returns the paper's placement: only the map between hidden layers 1 and 2.
func DefaultSVD(spec LayerSpec) map[int]LayerSpec { return map[int]LayerSpec{1: spec} }

// LayerInfo reports one linear map of a network.
type LayerInfo struct {
	// Index of the linear map: 0 is input→hidden 1, len(Widths) is hidden→output.
	Index int
	// Name, e.g. "input", "hidden 1→2", "output".
	Name string
	// In and Out are the map's dimensions m and n (W is m×n).
	In, Out int
	// Spec is the parameterisation (Dense for input and output maps).
	Spec LayerSpec
	// Rank is the kept rank r of an SVD layer (0 for dense).
	Rank int
	// Params counts the trainable parameters: m·n + n dense, r(m+n+1) (+ n bias) SVD.
	Params int
	// MAdds counts multiply-adds per point for the value: m·n dense and formed SVD
	// layers, r(m+n+1) factored SVD layers.
	MAdds int
	// Formed reports that the SVD layer forms W = (U·diag(s))·Vᵀ once per evaluation
	// (m·n·r multiply-adds, not counted in MAdds) instead of the factored chain; see Product.
	Formed bool
	// InitSigma are the singular values of the Glorot W the layer was initialised from
	// (SVD layers only), descending.
	InitSigma []float64
}

// IsSVD reports whether the layer is factorised.
func (l LayerInfo) IsSVD() bool { return l.Spec.Mode != Dense }

// Network is a built network: its configuration and per-layer accounting. Its variables
// live in the context passed to NewNetwork, under scope NetScope.
type Network struct {
	Config
	Layers []LayerInfo
}

// Validate checks the configuration and returns an error naming the first bad value.
func (c Config) Validate() error {
	if c.Inputs < 1 {
		return fmt.Errorf("annsvd: inputs %d out of range: need ≥ 1", c.Inputs)
	}
	if c.Outputs < 1 {
		return fmt.Errorf("annsvd: outputs %d out of range: need ≥ 1", c.Outputs)
	}
	if len(c.Widths) == 0 {
		return fmt.Errorf("annsvd: widths is empty: need at least one hidden layer")
	}
	for i, w := range c.Widths {
		if w < 1 {
			return fmt.Errorf("annsvd: width %d of hidden layer %d out of range: need ≥ 1", w, i+1)
		}
	}
	if c.Activation < ActTanh || c.Activation > ActSwish {
		return fmt.Errorf("annsvd: unknown activation %d (allowed: %s)", int(c.Activation), ActivationNames)
	}
	if f := c.Fourier; f.Features < 0 || (f.Features > 0 && (!(f.Sigma > 0) || math.IsInf(f.Sigma, 0))) {
		return fmt.Errorf("annsvd: Fourier features m=%d, σ=%v out of range: need m ≥ 1 and a finite σ > 0 (m = 0: off)", f.Features, f.Sigma)
	}
	if p := c.Periodic; p.Modes != 0 {
		if p.Modes < 0 || !(p.Period > 0) || math.IsInf(p.Period, 0) || p.Coord < 0 || p.Coord >= c.Inputs {
			return fmt.Errorf("annsvd: periodic embedding M=%d, P=%v of coordinate %d out of range: need M ≥ 1, a finite P > 0 and a coordinate in [0, %d)", p.Modes, p.Period, p.Coord, c.Inputs)
		}
		if c.Fourier.Features > 0 {
			return fmt.Errorf("annsvd: periodic embedding and Fourier features together: choose one")
		}
	}
	if c.Product < ProductAuto || c.Product > ProductFormed {
		return fmt.Errorf("annsvd: unknown SVD product order %d (allowed: %s)", int(c.Product), ProductNames)
	}
	if c.DType != dtypes.InvalidDType && c.DType != dtypes.Float32 && c.DType != dtypes.Float64 {
		return fmt.Errorf("annsvd: dtype %s not supported (allowed: float32, float64)", c.DType)
	}
	for j, spec := range c.SVD {
		if spec.Mode == Dense {
			continue
		}
		if j < 1 || j > len(c.Widths)-1 {
			return fmt.Errorf("annsvd: SVD layer index %d out of range [1, %d] (hidden-to-hidden maps of %d hidden layers)",
				j, len(c.Widths)-1, len(c.Widths))
		}
		if err := spec.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// MemoryEstimate returns an upper estimate in bytes of the memory the network takes
// before any point is evaluated: for each map of m inputs to n outputs (the embedded
// input count for layer 0), the float64 Glorot matrix and the SVD's factors and
// workspace while it is initialised (3·m·n·8 bytes), and during training the
// parameters, their gradients, Adam's two moments and the host copies kept for
// rollback and checkpoints (6 values per dense parameter m·n + n, in the dtype). It
// allocates nothing, so it can refuse a network that would not fit (see
// solve.CheckNetwork) before the initialisation tries.
func (c Config) MemoryEstimate() int64 {
	dims := append(append([]int{c.Inputs}, c.Widths...), c.Outputs)
	if c.Fourier.Features > 0 {
		dims[0] = 2 * c.Fourier.Features
	} else if c.Periodic.Modes > 0 {
		dims[0] = 2*c.Periodic.Modes + c.Inputs - 1
	}
	bytes := float64(c.dtype().Size())
	total := 0.0 // float64: huge widths must not overflow
	for i := 0; i+1 < len(dims); i++ {
		m, n := float64(dims[i]), float64(dims[i+1])
		total += 3*m*n*8 + 6*(m*n+n)*bytes
	}
	return int64(math.Min(total, math.MaxInt64/2))
}

func (c Config) dtype() dtypes.DType {
	if c.DType == dtypes.InvalidDType {
		return dtypes.Float32
	}
	return c.DType
}

// glorot returns a Glorot-uniform m×n matrix, U(−a, a) with a = √(6/(m+n)).
func glorot(rng *rand.Rand, m, n int) *mat.Dense {
	a := math.Sqrt(6 / float64(m+n))
	data := make([]float64, m*n)
	for i := range data {
		data[i] = (2*rng.Float64() - 1) * a
	}
	return mat.NewDense(m, n, data)
}

// TensorOf converts row-major float64 data to a tensor of the given dtype (Float64, or
// Float32 otherwise) and dimensions; Float64 data is copied.
func TensorOf(data []float64, dtype dtypes.DType, dims ...int) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(slices.Clone(data), dims...)
	}
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// Factorize returns the thin SVD of w: U (m×r), σ (r, descending), V (n×r), r = min(m,n).
func Factorize(w mat.Matrix) (u *mat.Dense, sigma []float64, v *mat.Dense, err error) {
	var svd mat.SVD
	if !svd.Factorize(w, mat.SVDThin) {
		return nil, nil, nil, fmt.Errorf("annsvd: SVD factorisation failed to converge")
	}
	u, v = new(mat.Dense), new(mat.Dense)
	svd.UTo(u)
	svd.VTo(v)
	return u, svd.Values(nil), v, nil
}

func rowMajor(m mat.Matrix, cols int) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*cols)
	for i := range r {
		for j := range min(c, cols) {
			out = append(out, m.At(i, j))
		}
	}
	return out
}

// LayerScope returns the variable scope of linear map i (under NetScope).
func LayerScope(i int) string { return fmt.Sprintf("layer_%d", i) }

// NewNetwork validates cfg, initialises every layer on the host (Glorot uniform W, and
// for SVD layers the SVD of that W truncated to the kept rank) and creates the
// variables in ctx under NetScope/layer_i: "w","b" for dense maps and "u","s","v"
// (+ "b") for SVD maps. Biases start at zero.
func NewNetwork(ctx *context.Context, cfg Config) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dt := cfg.dtype()
	cfg.DType = dt
	dims := append(append([]int{cfg.Inputs}, cfg.Widths...), cfg.Outputs)
	net := &Network{Config: cfg}
	nctx := ctx.In(NetScope)
	for i := 0; i+1 < len(dims); i++ {
		m, n := dims[i], dims[i+1]
		info := LayerInfo{Index: i, In: m, Out: n, Name: layerName(i, len(cfg.Widths))}
		if i > 0 && i < len(cfg.Widths) {
			info.Spec = cfg.SVD[i]
		}
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)+0x9e3779b97f4a7c15))
		w := glorot(rng, m, n)
		lctx := nctx.In(LayerScope(i))
		if i == 0 && cfg.Fourier.Features > 0 {
			// Input layer on the 2m Fourier features: W_sin and W_cos are the two halves
			// of one Glorot W (fan-in 2m); B ~ N(0, σ²) is fixed.
			k := cfg.Fourier.Features
			info.In = 2 * k
			w = glorot(rng, 2*k, n)
			raw := w.RawMatrix().Data
			lctx.VariableWithValue("w_sin", TensorOf(raw[:k*n], dt, k, n))
			lctx.VariableWithValue("w_cos", TensorOf(raw[k*n:], dt, k, n))
			lctx.VariableWithValue("b", TensorOf(make([]float64, n), dt, 1, n))
			bm := make([]float64, m*k)
			frng := rand.New(rand.NewPCG(cfg.Seed, 0xf0f1e2))
			for j := range bm {
				bm[j] = cfg.Fourier.Sigma * frng.NormFloat64()
			}
			lctx.VariableWithValue(FourierScale, TensorOf(bm, dt, m, k)).SetTrainable(false)
			info.Params, info.MAdds = 2*k*n+n, m*k+2*k*n
		} else if i == 0 && cfg.Periodic.Modes > 0 {
			// Input layer on the 2M periodic features and the other m−1 coordinates: one
			// Glorot W (fan-in 2M + m−1) split into W_cos, W_sin and W.
			k := cfg.Periodic.Modes
			info.In = 2*k + m - 1
			raw := glorot(rng, info.In, n).RawMatrix().Data
			lctx.VariableWithValue(PeriodicCos, TensorOf(raw[:k*n], dt, k, n))
			lctx.VariableWithValue(PeriodicSin, TensorOf(raw[k*n:2*k*n], dt, k, n))
			if m > 1 {
				lctx.VariableWithValue("w", TensorOf(raw[2*k*n:], dt, m-1, n))
			}
			lctx.VariableWithValue("b", TensorOf(make([]float64, n), dt, 1, n))
			info.Params, info.MAdds = info.In*n+n, k+info.In*n
		} else if info.Spec.Mode == Dense {
			info.Params, info.MAdds = m*n+n, m*n
			lctx.VariableWithValue(VarW, TensorOf(w.RawMatrix().Data, dt, m, n))
			lctx.VariableWithValue(VarB, TensorOf(make([]float64, n), dt, 1, n))
		} else {
			f, err := initSVDOf(w, info.Spec)
			if err != nil {
				return nil, fmt.Errorf("%w (layer %s, %d×%d)", err, info.Name, m, n)
			}
			r := f.Rank
			info.Rank, info.InitSigma = r, f.Sigma
			info.Params, info.MAdds = r*(m+n+1), r*(m+n+1)
			if info.Formed = cfg.Product.formed(m, n, r); info.Formed {
				info.MAdds = m * n
			}
			f.CreateVariables(lctx, dt, info.Spec.NoBias)
			if !info.Spec.NoBias {
				info.Params += n
			}
		}
		net.Layers = append(net.Layers, info)
	}
	return net, nil
}

func layerName(i, hidden int) string {
	switch {
	case i == 0:
		return "input"
	case i == hidden:
		return "output"
	}
	return fmt.Sprintf("hidden %d→%d", i, i+1)
}

// Params returns the total number of trainable parameters.
func (n *Network) Params() int {
	total := 0
	for _, l := range n.Layers {
		total += l.Params
	}
	return total
}

// MAdds returns the multiply-adds per point of one forward value pass.
func (n *Network) MAdds() int {
	total := 0
	for _, l := range n.Layers {
		total += l.MAdds
	}
	return total
}

// SVDLayers returns the indices of the factorised layers, ascending.
func (n *Network) SVDLayers() []int {
	var idx []int
	for _, l := range n.Layers {
		if l.IsSVD() {
			idx = append(idx, l.Index)
		}
	}
	sort.Ints(idx)
	return idx
}

func variable(ctx *context.Context, layer int, name string) *context.Variable {
	scope := context.JoinScope(ctx.In(NetScope).Scope(), LayerScope(layer))
	v := ctx.InspectVariable(scope, name)
	if v == nil {
		panic(fmt.Sprintf("annsvd: variable %s/%s not found: was NewNetwork called with this context?", scope, name))
	}
	return v
}

// linear applies z = h·W + b to every stream of the jet (the bias only to the value).
func linear(h Jet, w func(*Node) *Node, b *Node) Jet {
	out := h.mapLinear(w)
	if b != nil {
		out.V = Add(out.V, b)
	}
	return out
}

// Forward builds the network on input jets (one per coordinate, each [N,1]) and returns
// the output jet ([N, Outputs]). Panics (GoMLX style) with an "annsvd:" prefix on misuse.
func (n *Network) Forward(ctx *context.Context, x []Jet) Jet {
	if len(x) != n.Inputs {
		panic(fmt.Sprintf("annsvd: Forward got %d input coordinates, network has %d inputs", len(x), n.Inputs))
	}
	g := x[0].V.Graph()
	var h Jet
	for _, l := range n.Layers {
		vg := func(name string) *Node { return variable(ctx, l.Index, name).ValueGraph(g) }
		var b *Node
		if l.Index == 0 || !l.Spec.NoBias {
			b = vg(VarB)
		}
		switch {
		case l.Index == 0 && n.Fourier.Features > 0:
			s, c := n.fourierFeatures(ctx, x)
			ws, wc := vg("w_sin"), vg("w_cos")
			h = linear(s, func(z *Node) *Node { return Dot(z, ws) }, nil).
				Add(linear(c, func(z *Node) *Node { return Dot(z, wc) }, b))
		case l.Index == 0 && n.Periodic.Modes > 0:
			c, s := n.periodicFeatures(x[n.Periodic.Coord])
			wc, ws := vg(PeriodicCos), vg(PeriodicSin)
			h = linear(c, func(z *Node) *Node { return Dot(z, wc) }, nil).
				Add(linear(s, func(z *Node) *Node { return Dot(z, ws) }, b))
			if others := slices.Delete(slices.Clone(x), n.Periodic.Coord, n.Periodic.Coord+1); len(others) > 0 {
				h = h.Add(n.rowCombination(others, vg(VarW)))
			}
		case l.Index == 0:
			// z = Σᵢ xᵢ·W[i,:] + b; rows are taken with a one-hot Dot so that no Slice
			// (whose gradient needs Pad) sits on a differentiated path.
			h = n.rowCombination(x, vg(VarW))
			h.V = Add(h.V, b)
		case l.IsSVD():
			u, s, v := vg(VarU), vg(VarS), vg(VarV)
			if l.Formed && !n.factoredCheaper(l, h) {
				// W = (U·diag(s))·Vᵀ once, shared by every stream of the jet.
				w := SVDWeight(u, s, v)
				h = linear(h, func(z *Node) *Node { return Dot(z, w) }, b)
			} else {
				vt := Transpose(v, 0, 1)
				h = linear(h, func(z *Node) *Node { return SVDFactored(z, u, s, vt) }, b)
			}
		default:
			w := vg(VarW)
			h = linear(h, func(z *Node) *Node { return Dot(z, w) }, b)
		}
		if l.Index < len(n.Widths) {
			h = n.Activation.Apply(h)
		}
	}
	return h
}

// factoredCheaper reports whether, under ProductAuto, applying the factors of a layer
// that normally forms W costs less for this evaluation: its N·S rows (points times jet
// streams) through the chain cost N·S·r(m+n+1) multiply-adds, against m·n·r to form W
// plus N·S·m·n. It holds only for small batches (at inference: for thin 256×256, fewer
// than about 255 rows), where forming W would dominate.
func (n *Network) factoredCheaper(l LayerInfo, h Jet) bool {
	if n.Product != ProductAuto {
		return false
	}
	rows := h.V.Shape().Dimensions[0]
	streams := 1
	for _, d := range append(slices.Clone(h.D), h.DD...) {
		if d != nil {
			streams++
		}
	}
	return factoredRowsCheaper(rows*streams, l.In, l.Out, l.Rank)
}

// rowCombination returns the jet of Σᵢ xᵢ·M[i,:] for the coordinate jets x (each [N,1])
// and a matrix M with one row per jet of x. Rows are taken with one-hot Dots, so that no
// Slice (whose gradient needs Pad) sits on a differentiated path.
func (n *Network) rowCombination(x []Jet, m *Node) Jet {
	g := m.Graph()
	var sum Jet
	for i := range x {
		onehot := make([]float64, len(x))
		onehot[i] = 1
		row := ConstJet(Dot(Const(g, TensorOf(onehot, n.dtype(), 1, len(x))), m), n.Inputs)
		if term := x[i].Mul(row); i == 0 {
			sum = term
		} else {
			sum = sum.Add(term)
		}
	}
	return sum
}

// periodicFeatures returns the jets of cos(ω·x) and sin(ω·x) ([N, M] each) for the
// periodic coordinate's jet x ([N,1]), ω = 2π·(1…M)/P.
func (n *Network) periodicFeatures(x Jet) (cos, sin Jet) {
	p := n.Periodic
	omega := make([]float64, p.Modes)
	for k := range omega {
		omega[k] = 2 * math.Pi * float64(k+1) / p.Period
	}
	z := x.Mul(ConstJet(Const(x.V.Graph(), TensorOf(omega, n.dtype(), 1, p.Modes)), n.Inputs))
	return z.Cos(), z.Sin()
}

// fourierFeatures returns the jets of sin(2π·x·B) and cos(2π·x·B) ([N, m] each). Rows of
// B are taken with one-hot Dots (no Slice), and no Concatenate is used, so both forward
// jets and nested Gradient (the reference path) work through the embedding.
func (n *Network) fourierFeatures(ctx *context.Context, x []Jet) (sin, cos Jet) {
	z := n.rowCombination(x, variable(ctx, 0, FourierScale).ValueGraph(x[0].V.Graph())).Scale(2 * math.Pi)
	sv, cv := Sin(z.V), Cos(z.V)
	return z.Compose(sv, cv, Neg(sv)), z.Compose(cv, Neg(sv), Neg(cv))
}

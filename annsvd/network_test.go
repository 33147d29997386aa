package annsvd_test

import (
	"math"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func TestThinReproducesDenseW(t *testing.T) {
	// The same seed gives the same Glorot W for the dense and the thin network.
	cfg := annsvd.Config{Inputs: 2, Widths: []int{50, 70}, Outputs: 1, Seed: 7, DType: dtypes.Float64}
	dctx := context.New()
	_, err := annsvd.NewNetwork(dctx, cfg)
	require.NoError(t, err)
	cfg.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Thin})
	sctx := context.New()
	net, err := annsvd.NewNetwork(sctx, cfg)
	require.NoError(t, err)
	require.Equal(t, 50, net.Layers[1].Rank)

	w := annsvd.LayerWeight(dctx, 1)
	usv := annsvd.LayerWeight(sctx, 1)
	var diff mat.Dense
	diff.Sub(w, usv)
	rel := mat.Norm(&diff, 2) / mat.Norm(w, 2)
	require.Less(t, rel, 1e-5, "‖U·diag(s)·Vᵀ − W‖/‖W‖")
	ue, ve := annsvd.OrthoError(sctx, 1)
	require.Less(t, ue, 1e-10)
	require.Less(t, ve, 1e-10)
}

func TestCompactParams(t *testing.T) {
	cfg := annsvd.Config{Inputs: 2, Widths: []int{50, 70}, Outputs: 1,
		SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 3, NoBias: true})}
	ctx := context.New()
	net, err := annsvd.NewNetwork(ctx, cfg)
	require.NoError(t, err)
	l := net.Layers[1]
	require.Equal(t, 3*(50+70+1), l.Params)
	u := ctx.InspectVariable("/net/layer_1", "u")
	s := ctx.InspectVariable("/net/layer_1", "s")
	v := ctx.InspectVariable("/net/layer_1", "v")
	require.Equal(t, 3*(50+70+1), u.Shape().Size()+s.Shape().Size()+v.Shape().Size())
	require.Nil(t, ctx.InspectVariable("/net/layer_1", "b"))
	// With bias: + n.
	cfg.SVD[1] = annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 3}
	net, err = annsvd.NewNetwork(context.New(), cfg)
	require.NoError(t, err)
	require.Equal(t, 3*(50+70+1)+70, net.Layers[1].Params)
	require.Equal(t, 2*50+50+net.Layers[1].Params+70+1, net.Params())
}

func TestBadConfigs(t *testing.T) {
	base := func() annsvd.Config { return annsvd.Config{Inputs: 2, Widths: []int{50, 70}, Outputs: 1} }
	cases := map[string]func(c *annsvd.Config){
		"rank 0":  func(c *annsvd.Config) { c.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact}) },
		"rank 51": func(c *annsvd.Config) { c.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 51}) },
		"threshold -1": func(c *annsvd.Config) {
			c.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: -1})
		},
		"threshold 0": func(c *annsvd.Config) { c.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Truncated}) },
		"threshold above σ₁": func(c *annsvd.Config) {
			c.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: 100})
		},
		"threshold NaN": func(c *annsvd.Config) {
			c.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: math.NaN()})
		},
		"layer 2":      func(c *annsvd.Config) { c.SVD = map[int]annsvd.LayerSpec{2: {Mode: annsvd.Thin}} },
		"width 0":      func(c *annsvd.Config) { c.Widths = []int{50, 0} },
		"no widths":    func(c *annsvd.Config) { c.Widths = nil },
		"inputs 0":     func(c *annsvd.Config) { c.Inputs = 0 },
		"activation 9": func(c *annsvd.Config) { c.Activation = 9 },
		"dtype int32":  func(c *annsvd.Config) { c.DType = dtypes.Int32 },
	}
	for name, mod := range cases {
		c := base()
		mod(&c)
		_, err := annsvd.NewNetwork(context.New(), c)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "annsvd: ", name)
		require.NotContains(t, err.Error(), "\n", name)
		t.Logf("%-18s → %v", name, err)
	}
	_, err := annsvd.ParseMode("svd")
	require.ErrorContains(t, err, `"svd"`)
	_, err = annsvd.ParseActivation("relu")
	require.ErrorContains(t, err, `"relu"`)
}

// evalDerivs returns u, u_x, u_y, u_xx, u_yy at the points, by forward jets or nested Gradient.
func evalDerivs(t *testing.T, net *annsvd.Network, ctx *context.Context, method annsvd.DerivMethod, xs, ys []float64) [][]float64 {
	b := engine.MustDefault()
	d := annsvd.Derivs{First: []int{0, 1}, Second: []int{0, 1}}
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x, y *Node) []*Node {
		in := []*Node{x, y}
		var j annsvd.Jet
		if method == annsvd.DerivForward {
			j = net.Forward(ctx, annsvd.CoordJets(in, d))
		} else {
			u := net.Forward(ctx, annsvd.CoordJets(in, annsvd.Derivs{})).V
			j = annsvd.AutodiffJet(u, in, d)
		}
		return []*Node{j.V, j.D[0], j.D[1], j.DD[0], j.DD[1]}
	})
	require.NoError(t, err)
	col := func(v []float64) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(v, len(v), 1) }
	outs, err := e.Exec(col(xs), col(ys))
	require.NoError(t, err)
	res := make([][]float64, len(outs))
	for i, o := range outs {
		res[i] = tensors.MustCopyFlatData[float64](o)
	}
	return res
}

func TestDerivativesAgainstFiniteDifferences(t *testing.T) {
	type variant struct {
		act      annsvd.Activation
		mode     annsvd.LayerSpec
		fourier  annsvd.Fourier
		periodic annsvd.Periodic
	}
	var variants []variant
	for _, act := range []annsvd.Activation{annsvd.ActTanh, annsvd.ActSine, annsvd.ActSwish} {
		for _, mode := range []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Compact, Rank: 5}} {
			variants = append(variants, variant{act, mode, annsvd.Fourier{}, annsvd.Periodic{}})
		}
	}
	variants = append(variants, variant{annsvd.ActTanh, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 5}, annsvd.Fourier{Features: 6, Sigma: 1}, annsvd.Periodic{}},
		variant{annsvd.ActTanh, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 5}, annsvd.Fourier{}, annsvd.Periodic{Coord: 1, Period: 1.5, Modes: 4}})
	for _, v := range variants {
		act, mode := v.act, v.mode
		{
			cfg := annsvd.Config{Inputs: 2, Widths: []int{16, 12, 10}, Outputs: 1, Activation: act, DType: dtypes.Float64,
				Seed: 3, SVD: map[int]annsvd.LayerSpec{1: mode, 2: mode}, Fourier: v.fourier, Periodic: v.periodic}
			ctx := context.New()
			net, err := annsvd.NewNetwork(ctx, cfg)
			require.NoError(t, err)
			xs := []float64{0.1, -0.7, 0.33, 0.9}
			ys := []float64{0.5, 0.2, -0.4, 0.05}
			fwd := evalDerivs(t, net, ctx, annsvd.DerivForward, xs, ys)
			ad := evalDerivs(t, net, ctx, annsvd.DerivAutodiff, xs, ys)
			// Fourth-order central differences, h = 1e-3: truncation O(h⁴), round-off ≈ ε/h².
			const h = 1e-3
			shift := func(v []float64, d float64) []float64 {
				out := make([]float64, len(v))
				for i := range v {
					out[i] = v[i] + d
				}
				return out
			}
			var xv, yv [5][]float64 // u at offsets −2h…2h
			for k := range 5 {
				off := float64(k-2) * h
				xv[k] = evalDerivs(t, net, ctx, annsvd.DerivForward, shift(xs, off), ys)[0]
				yv[k] = evalDerivs(t, net, ctx, annsvd.DerivForward, xs, shift(ys, off))[0]
			}
			d1 := func(f [5][]float64, i int) float64 { return (f[0][i] - 8*f[1][i] + 8*f[3][i] - f[4][i]) / (12 * h) }
			d2 := func(f [5][]float64, i int) float64 {
				return (-f[0][i] + 16*f[1][i] - 30*f[2][i] + 16*f[3][i] - f[4][i]) / (12 * h * h)
			}
			for i := range xs {
				fd := [][2]float64{
					{d1(xv, i), fwd[1][i]},
					{d1(yv, i), fwd[2][i]},
					{d2(xv, i), fwd[3][i]},
					{d2(yv, i), fwd[4][i]},
				}
				for k, p := range fd {
					scale := math.Max(math.Abs(p[0]), 1e-2)
					require.InDelta(t, p[0], p[1], 1e-6*scale+1e-8, "%s %s %+v point %d derivative %d: FD %g vs jet %g", act, mode, v.fourier, i, k, p[0], p[1])
				}
				for k := range fwd {
					require.InDelta(t, ad[k][i], fwd[k][i], 1e-12*math.Max(1, math.Abs(ad[k][i])), "%s %s forward vs autodiff, output %d", act, mode, k)
				}
			}
		}
	}
}

// TestProductOrders checks that forming W = (U·diag(s))·Vᵀ and the factored chain give
// the same jets and the same gradients with respect to u, s, v, and that ProductAuto
// forms W exactly when r(m+n) > m·n.
func TestProductOrders(t *testing.T) {
	d := annsvd.Derivs{First: []int{0, 1}, Second: []int{0, 1}}
	run := func(p annsvd.Product, spec annsvd.LayerSpec) (*annsvd.Network, []float64) {
		cfg := annsvd.Config{Inputs: 2, Widths: []int{50, 70}, Outputs: 1, Seed: 3, DType: dtypes.Float64,
			SVD: annsvd.DefaultSVD(spec), Product: p}
		ctx := context.New()
		net, err := annsvd.NewNetwork(ctx, cfg)
		require.NoError(t, err)
		e, err := context.NewExec(engine.MustDefault(), ctx, func(ctx *context.Context, x, y *Node) []*Node {
			j := net.Forward(ctx, annsvd.CoordJets([]*Node{x, y}, d))
			loss := ReduceAllSum(Square(Add(j.DD[0], j.DD[1])))
			g := x.Graph()
			var vars []*Node
			for _, name := range []string{"u", "s", "v", "b"} {
				vars = append(vars, ctx.InspectVariable("/net/layer_1", name).ValueGraph(g))
			}
			return append([]*Node{j.V, j.D[0], j.DD[1], loss}, Gradient(loss, vars...)...)
		})
		require.NoError(t, err)
		xs := []float64{0.1, 0.5, 0.9, 0.33}
		ys := []float64{0.2, 0.7, 0.4, 0.05}
		col := func(v []float64) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(v, len(v), 1) }
		outs, err := e.Exec(col(xs), col(ys))
		require.NoError(t, err)
		var flat []float64
		for _, o := range outs {
			flat = append(flat, tensors.MustCopyFlatData[float64](o)...)
		}
		return net, flat
	}
	thin := annsvd.LayerSpec{Mode: annsvd.Thin}
	netF, factored := run(annsvd.ProductFactored, thin)
	netW, formed := run(annsvd.ProductFormed, thin)
	require.False(t, netF.Layers[1].Formed)
	require.True(t, netW.Layers[1].Formed)
	require.Equal(t, 50*121, netF.Layers[1].MAdds)
	require.Equal(t, 50*70, netW.Layers[1].MAdds)
	require.Equal(t, len(factored), len(formed))
	for i := range factored {
		require.InDelta(t, factored[i], formed[i], 1e-10*(1+math.Abs(factored[i])), "output %d", i)
	}
	netA, auto := run(annsvd.ProductAuto, thin)
	require.True(t, netA.Layers[1].Formed, "thin 50×70: 50·120 > 3500, auto forms W")
	// … except for a batch this small (4 points × the jet's streams), where forming W
	// would cost more than applying the factors: auto computes what factored does.
	require.Equal(t, factored, auto)
	require.NotEqual(t, formed, auto)
	netA, _ = run(annsvd.ProductAuto, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 3})
	require.False(t, netA.Layers[1].Formed, "k=3: 3·120 < 3500, auto keeps the factored chain")
	netA, _ = run(annsvd.ProductAuto, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 29})
	require.False(t, netA.Layers[1].Formed, "k=29: 29·120 = 3480 ≤ 3500")
	netA, _ = run(annsvd.ProductAuto, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 30})
	require.True(t, netA.Layers[1].Formed, "k=30: 30·120 = 3600 > 3500")
	_, err := annsvd.ParseProduct("both")
	require.ErrorContains(t, err, `"both"`)
}

// TestLaplacianStream checks the forward Laplacian stream against the sum of the pure
// second derivatives, for forward jets, nested Gradient and through jet products (a
// hard-constraint transform), for dense and SVD networks and every activation.
func TestLaplacianStream(t *testing.T) {
	for _, act := range []annsvd.Activation{annsvd.ActTanh, annsvd.ActSine, annsvd.ActSwish} {
		for _, spec := range []annsvd.LayerSpec{{}, {Mode: annsvd.Compact, Rank: 4}} {
			cfg := annsvd.Config{Inputs: 3, Widths: []int{8, 6}, Outputs: 1, Seed: 5, DType: dtypes.Float64,
				Activation: act, SVD: annsvd.DefaultSVD(spec)}
			ctx := context.New()
			net, err := annsvd.NewNetwork(ctx, cfg)
			require.NoError(t, err)
			all := []int{0, 1, 2}
			e, err := context.NewExec(engine.MustDefault(), ctx, func(ctx *context.Context, x, y, z *Node) []*Node {
				in := []*Node{x, y, z}
				// u = x·y·sin(z)·N: products and composition exercise every jet rule.
				u := func(d annsvd.Derivs) annsvd.Jet {
					xj := annsvd.CoordJets(in, d)
					return xj[0].Mul(xj[1]).Mul(xj[2].Sin()).Mul(net.Forward(ctx, xj))
				}
				lap := u(annsvd.Derivs{First: []int{0}, Laplacian: []int{1, 2}})
				dd := u(annsvd.Derivs{First: all, Second: all})
				plain := net.Forward(ctx, annsvd.CoordJets(in, annsvd.Derivs{})).V
				ad := annsvd.AutodiffJet(plain, in, annsvd.Derivs{Laplacian: []int{1, 2}})
				fwd := net.Forward(ctx, annsvd.CoordJets(in, annsvd.Derivs{Laplacian: []int{1, 2}}))
				return []*Node{lap.Lap, Add(dd.DD[1], dd.DD[2]), ad.Lap, fwd.Lap, lap.D[0], dd.D[0]}
			})
			require.NoError(t, err)
			col := func(v ...float64) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(v, len(v), 1) }
			outs, err := e.Exec(col(0.1, -0.4, 0.8), col(0.3, 0.9, -0.2), col(-0.7, 0.25, 0.6))
			require.NoError(t, err)
			get := func(i int) []float64 { return tensors.MustCopyFlatData[float64](outs[i]) }
			name := act.String() + " " + spec.String()
			require.InDeltaSlice(t, get(1), get(0), 1e-12, "%s: transformed Lap vs DD₁+DD₂", name)
			require.InDeltaSlice(t, get(3), get(2), 1e-12, "%s: forward Lap vs nested Gradient", name)
			require.InDeltaSlice(t, get(5), get(4), 1e-12, "%s: first derivatives unchanged", name)
			require.NotZero(t, get(0)[0])
		}
	}
}

func TestFourierEmbedding(t *testing.T) {
	cfg := annsvd.Config{Inputs: 2, Widths: []int{10, 10}, Outputs: 1, Seed: 4, Fourier: annsvd.Fourier{Features: 6, Sigma: 2}}
	ctx := context.New()
	net, err := annsvd.NewNetwork(ctx, cfg)
	require.NoError(t, err)
	require.Equal(t, 12, net.Layers[0].In)
	require.Equal(t, 12*10+10, net.Layers[0].Params)
	b := ctx.InspectVariable("/net/layer_0", annsvd.FourierScale)
	require.NotNil(t, b)
	require.False(t, b.Trainable)
	require.Equal(t, []int{2, 6}, b.Shape().Dimensions)
	bv := annsvd.TensorFloat64s(b.MustValue())
	var sq float64
	for _, x := range bv {
		sq += x * x
	}
	require.InDelta(t, 2, math.Sqrt(sq/float64(len(bv))), 1.2, "entries ~ N(0, σ²)")
	require.Nil(t, ctx.InspectVariable("/net/layer_0", "w"))
	for _, bad := range []annsvd.Fourier{{Features: -1}, {Features: 4}, {Features: 4, Sigma: math.Inf(1)}} {
		c := cfg
		c.Fourier = bad
		_, err := annsvd.NewNetwork(context.New(), c)
		require.ErrorContains(t, err, "Fourier features", "%+v", bad)
	}
}

// TestPeriodicEmbedding checks that the periodic embedding makes u and its derivatives
// P-periodic in the chosen coordinate to rounding (float64), that the other coordinate
// still enters, and that bad settings are refused.
func TestPeriodicEmbedding(t *testing.T) {
	const period = 2.0
	for _, mode := range []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Compact, Rank: 4}} {
		cfg := annsvd.Config{Inputs: 2, Widths: []int{12, 12}, Outputs: 1, DType: dtypes.Float64, Seed: 7,
			SVD: map[int]annsvd.LayerSpec{1: mode}, Periodic: annsvd.Periodic{Coord: 0, Period: period, Modes: 5}}
		ctx := context.New()
		net, err := annsvd.NewNetwork(ctx, cfg)
		require.NoError(t, err)
		require.Equal(t, 2*5+1, net.Layers[0].In)
		require.Equal(t, 11*12+12, net.Layers[0].Params)
		xs := []float64{-0.93, -0.2, 0.41, 0.999}
		ts := []float64{0.05, 0.5, 0.77, 1}
		base := evalDerivs(t, net, ctx, annsvd.DerivForward, xs, ts)
		for _, k := range []float64{1, -1, 3} {
			shifted := make([]float64, len(xs))
			for i, x := range xs {
				shifted[i] = x + k*period
			}
			got := evalDerivs(t, net, ctx, annsvd.DerivForward, shifted, ts)
			for d := range base { // u, u_x, u_t, u_xx, u_tt
				for i := range xs {
					require.InDelta(t, base[d][i], got[d][i], 1e-12*math.Max(1, math.Abs(base[d][i])), "%s shift %g·P output %d point %d", mode, k, d, i)
				}
			}
		}
		for i := range xs { // t enters: u(x, t) ≠ u(x, t + 0.1)
			later := evalDerivs(t, net, ctx, annsvd.DerivForward, xs, []float64{ts[0] + 0.1, ts[1] + 0.1, ts[2] + 0.1, ts[3] + 0.1})
			require.Greater(t, math.Abs(later[0][i]-base[0][i]), 1e-6)
		}
	}
	for _, bad := range []annsvd.Periodic{{Modes: -1, Period: 2}, {Modes: 3}, {Modes: 3, Period: math.Inf(1)}, {Modes: 3, Period: 2, Coord: 2}} {
		cfg := annsvd.Config{Inputs: 2, Widths: []int{4}, Outputs: 1, Periodic: bad}
		_, err := annsvd.NewNetwork(context.New(), cfg)
		require.ErrorContains(t, err, "periodic embedding", "%+v", bad)
	}
	cfg := annsvd.Config{Inputs: 2, Widths: []int{4}, Outputs: 1, Periodic: annsvd.Periodic{Modes: 2, Period: 2}, Fourier: annsvd.Fourier{Features: 2, Sigma: 1}}
	_, err := annsvd.NewNetwork(context.New(), cfg)
	require.ErrorContains(t, err, "choose one")
}

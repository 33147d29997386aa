package svd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/svd"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

func backend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// regressionData returns X [n, m] and Y = X·W* for a rank-2 W* (m×p), float32.
func regressionData(n, m, p int) (x, y *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, b := make([]float64, m*2), make([]float64, 2*p)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	xs, ys := make([]float32, n*m), make([]float32, n*p)
	for i := range n {
		for k := range m {
			xs[i*m+k] = float32(rng.NormFloat64())
		}
		for j := range p {
			var s float64
			for k := range m {
				w := a[k*2]*b[j] + a[k*2+1]*b[p+j]
				s += float64(xs[i*m+k]) * w
			}
			ys[i*p+j] = float32(s / math.Sqrt(float64(m)))
		}
	}
	return tensors.FromFlatDataAndDimensions(xs, n, m), tensors.FromFlatDataAndDimensions(ys, n, p)
}

// TestPlainGoMLXModelTrains trains a GoMLX regression model whose only layer is a
// compact SVD layer, with GoMLX's own Trainer, Adam and MSE loss.
func TestPlainGoMLXModelTrains(t *testing.T) {
	const n, m, p, k = 256, 8, 6, 2
	x, y := regressionData(n, m, p)
	ctx := context.New()
	model := func(ctx *context.Context, _ any, in []*Node) []*Node {
		return []*Node{svd.New(ctx.In("svd"), in[0], p).Compact(k).NoBias().Done()}
	}
	tr := train.NewTrainer(backend(t), ctx, model, losses.MeanSquaredError, optimizers.Adam().LearningRate(0.05).Done(), nil, nil)
	var first, last float64
	for step := range 400 {
		ms, err := tr.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
		if err != nil {
			t.Fatal(err)
		}
		loss := float64(ms[0].Value().(float32))
		if step == 0 {
			first = loss
		}
		last = loss
	}
	if !(last < 1e-3*first) {
		t.Errorf("loss %.3g → %.3g: the rank-%d layer did not fit a rank-2 map", first, last, k)
	}
	params := 0
	for v := range ctx.IterVariables() {
		if v.Trainable && strings.HasPrefix(v.Scope(), "/svd") {
			params += v.Shape().Size()
		}
	}
	if want := svd.Params(m, p, k, false); params != want || want != k*(m+p+1) {
		t.Errorf("trainable parameters %d, want k(m+n+1) = %d", params, want)
	}
}

// TestLayerMatchesItsFactors checks the layer against U·diag(s)·Vᵀ + b computed on the
// host from its own variables, for a rank-3 input, both product orders and every mode.
func TestLayerMatchesItsFactors(t *testing.T) {
	b := backend(t)
	xs := make([]float64, 2*3*5)
	for i := range xs {
		xs[i] = math.Sin(float64(i))
	}
	x := tensors.FromFlatDataAndDimensions(xs, 2, 3, 5)
	for _, tc := range []struct {
		name  string
		build func(c *svd.Config) *svd.Config
		rank  int
	}{
		{"thin", func(c *svd.Config) *svd.Config { return c }, 4},
		{"compact", func(c *svd.Config) *svd.Config { return c.Compact(2) }, 2},
		{"truncated relative", func(c *svd.Config) *svd.Config { return c.TruncatedRelative(1) }, 1},
		{"formed", func(c *svd.Config) *svd.Config { return c.Compact(3).Product(annsvd.ProductFormed) }, 3},
	} {
		ctx := context.New()
		out, err := context.ExecOnce(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return tc.build(svd.New(ctx.In("l"), x, 4).Seed(3)).Done()
		}, x)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := out.Shape().Dimensions; len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 4 {
			t.Fatalf("%s: output shape %v, want [2 3 4]", tc.name, got)
		}
		u := ctx.GetVariableByScopeAndName("/l", annsvd.VarU).MustValue().Value().([][]float64)
		s := ctx.GetVariableByScopeAndName("/l", annsvd.VarS).MustValue().Value().([][]float64)[0]
		v := ctx.GetVariableByScopeAndName("/l", annsvd.VarV).MustValue().Value().([][]float64)
		if len(s) != tc.rank {
			t.Errorf("%s: kept rank %d, want %d", tc.name, len(s), tc.rank)
		}
		// b starts at zero; change it so that the bias path is checked too.
		bias := []float64{0.1, -0.2, 0.3, 0.4}
		ctx.GetVariableByScopeAndName("/l", annsvd.VarB).MustSetValue(tensors.FromFlatDataAndDimensions(bias, 1, 4))
		out, err = context.ExecOnce(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return tc.build(svd.New(ctx.In("l"), x, 4)).Done()
		}, x)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := out.Value().([][][]float64)
		for i := range 6 {
			for j := range 4 {
				want := bias[j]
				for a := range 5 {
					for r := range s {
						want += xs[i*5+a] * u[a][r] * s[r] * v[j][r]
					}
				}
				if d := math.Abs(got[i/3][i%3][j] - want); d > 1e-12 {
					t.Fatalf("%s: y[%d][%d] = %v, want %v", tc.name, i, j, got[i/3][i%3][j], want)
				}
			}
		}
	}
}

func TestBadConfigPanics(t *testing.T) {
	b := backend(t)
	x := tensors.FromFlatDataAndDimensions(make([]float32, 10), 2, 5)
	for _, tc := range []struct {
		build func(c *svd.Config) *svd.Config
		want  string
	}{
		{func(c *svd.Config) *svd.Config { return c.Compact(9) }, "rank 9 out of range [1, 4]"},
		{func(c *svd.Config) *svd.Config { return c.Truncated(1e9) }, "keeps no singular value"},
		{func(c *svd.Config) *svd.Config { return c.Compact(0) }, "svd:"},
	} {
		err := func() (err error) {
			defer func() {
				if e := recover(); e != nil {
					err = fmt.Errorf("%v", e)
				}
			}()
			_, err = context.ExecOnce(b, context.New(), func(ctx *context.Context, x *Node) *Node {
				return tc.build(svd.New(ctx.In("l"), x, 4)).Done()
			}, x)
			return err
		}()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "svd:") {
			t.Errorf("want an error with %q, got %v", tc.want, err)
		}
	}
}

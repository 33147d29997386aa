package problems_test

import (
	"math"
	"os"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/stretchr/testify/require"
)

// xlaCPU returns the xla:cpu backend. Without an installed plugin the test is skipped
// with one line, except under CI (CI=true), which installs the plugin: there a missing
// plugin fails the test, so the cross-engine checks can never be skipped silently.
func xlaCPU(t *testing.T) backends.Backend {
	t.Helper()
	b, err := engine.NewWithConfig("xla:cpu")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the cross-engine tests: %v", err)
		}
		t.Skipf("no xla:cpu here (%v)", err)
	}
	return b
}

// copyVariables gives dst every variable value of src (trainable or not, e.g. a
// Fourier embedding's B), so that both runs evaluate the same function.
func copyVariables(t *testing.T, dst, src *solve.Run) {
	t.Helper()
	n := 0
	for v := range src.Ctx.IterVariables() {
		w := dst.Ctx.GetVariableByScopeAndName(v.Scope(), v.Name())
		if w == nil {
			continue
		}
		val := v.MustValue()
		require.NoError(t, w.SetValue(annsvd.TensorOf(annsvd.TensorFloat64s(val), w.Shape().DType, val.Shape().Dimensions...)))
		n++
	}
	require.Positive(t, n)
	require.Equal(t, src.FlatParams(), dst.FlatParams())
}

// relDiff is |a−b| / max(|b|, tiny) for scalars.
func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-300) }

// normRelDiff is ‖a−b‖∞ / ‖b‖∞: vector agreement relative to the vector's scale (a
// componentwise ratio would be dominated by components that are zero up to rounding).
func normRelDiff(a, b []float64) float64 {
	var d, m float64
	for i := range b {
		d = math.Max(d, math.Abs(a[i]-b[i]))
		m = math.Max(m, math.Abs(b[i]))
	}
	return d / math.Max(m, 1e-300)
}

// crossNet is the network used to compare the engines: two hidden layers, the second
// map SVD-factorised (compact), so the dense, SVD and forward-jet paths all run.
func crossNet(d problems.Defaults) annsvd.Config {
	net := d.Net()
	net.Widths = []int{12, 10}
	net.SVD = annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 4})
	return net
}

// TestEnginesAgree checks, for every catalogue problem at its default points, that the
// pure-Go and xla:cpu engines give the same loss, per-term losses and parameter
// gradient at the same variables (1e-5 relative in float32, 1e-10 in float64), and the
// same loss after 20 Adam steps from there (1e-3 relative).
func TestEnginesAgree(t *testing.T) {
	xb := xlaCPU(t)
	gb, err := engine.NewWithConfig(engine.DefaultConfig)
	require.NoError(t, err)
	for _, name := range problems.Names() {
		e, err := problems.Get(name)
		require.NoError(t, err)
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				tol := 1e-5
				if dt == dtypes.Float64 {
					tol = 1e-10
				}
				p, err := e.New()
				require.NoError(t, err)
				cfg, err := e.Defaults.Train(1)
				require.NoError(t, err)
				cfg.DType, cfg.Hooks, cfg.LR = dt, nil, 1e-3
				rg, err := solve.NewRun(gb, p, crossNet(e.Defaults), cfg)
				require.NoError(t, err)
				rx, err := solve.NewRun(xb, p, crossNet(e.Defaults), cfg)
				require.NoError(t, err)
				copyVariables(t, rx, rg)

				lg, tg, gg, err := rg.LossAndGrad()
				require.NoError(t, err)
				lx, tx, gx, err := rx.LossAndGrad()
				require.NoError(t, err)
				require.Positive(t, lg)
				require.LessOrEqual(t, relDiff(lx, lg), tol, "loss: xla %.17g, go %.17g", lx, lg)
				require.Len(t, tx, len(tg))
				for i := range tg {
					require.LessOrEqual(t, relDiff(tx[i], tg[i]), tol, "term %s: xla %.17g, go %.17g", rg.TermNames()[i], tx[i], tg[i])
				}
				require.LessOrEqual(t, normRelDiff(gx, gg), tol, "gradient")

				require.NoError(t, rg.AdamSteps(20))
				require.NoError(t, rx.AdamSteps(20))
				ag, _, _, err := rg.LossAndGrad()
				require.NoError(t, err)
				ax, _, _, err := rx.LossAndGrad()
				require.NoError(t, err)
				require.Less(t, ag, lg, "20 Adam steps lower the loss")
				require.LessOrEqual(t, relDiff(ax, ag), 1e-3, "loss after 20 Adam steps: xla %.9g, go %.9g", ax, ag)
			})
		}
	}
}

package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd/engine"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/stretchr/testify/require"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

// TestMatMulDotVJPEqualsGoMLX compares first- and second-order gradients through Dot
// with the matmul VJP against GoMLX's own broadcast-and-reduce VJP.
func TestMatMulDotVJPEqualsGoMLX(t *testing.T) {
	b, err := engine.NewWithConfig(engine.DefaultConfig)
	require.NoError(t, err)
	fn := func(x, w1, w2 *Node) []*Node {
		h := Tanh(Dot(x, w1))
		u := Dot(h, w2)
		// A PINN-like loss: first derivative w.r.t. x by reverse mode, then gradients
		// w.r.t. the weights (second order through Dot).
		ux := Gradient(ReduceAllSum(u), x)[0]
		loss := Add(ReduceAllMean(Square(u)), ReduceAllMean(Square(ux)))
		grads := Gradient(loss, w1, w2)
		return []*Node{loss, grads[0], grads[1]}
	}
	x := tensors.FromValue([][]float32{{0.1, -0.2}, {0.3, 0.4}, {-0.5, 0.6}})
	w1 := tensors.FromValue([][]float32{{0.5, -0.1, 0.2}, {0.3, 0.7, -0.4}})
	w2 := tensors.FromValue([][]float32{{0.2}, {-0.6}, {0.9}})
	run := func() [][]float32 {
		outs, err := MustNewExec(b, fn).Exec(x, w1, w2)
		require.NoError(t, err)
		var res [][]float32
		for _, o := range outs {
			res = append(res, tensors.MustCopyFlatData[float32](o))
		}
		return res
	}
	ours := run()
	VJPRegistration[NodeTypeDot] = engine.GoMLXDotVJP()
	theirs := run()
	VJPRegistration[NodeTypeDot] = engine.MatMulDotVJP
	for i := range ours {
		require.InDeltaSlice(t, theirs[i], ours[i], 1e-6, "output %d", i)
	}
	require.NotZero(t, ours[1][0])
}

func TestConfigDefault(t *testing.T) {
	t.Setenv(engine.EnvVar, "")
	require.Equal(t, engine.DefaultConfig, engine.Config())
	t.Setenv(engine.EnvVar, "go")
	require.Equal(t, "go", engine.Config())
}

func TestMissingXLAPluginIsOneClearLine(t *testing.T) {
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	for _, cfg := range []string{"xla:cpu", "xla:cuda", "xla:/nonexistent/pjrt_c_api_cpu_plugin.so"} {
		_, err := engine.NewWithConfig(cfg)
		require.Error(t, err, cfg)
		msg := err.Error()
		require.NotContains(t, msg, "\n")
		require.Contains(t, msg, cfg)
		require.Contains(t, msg, "PJRT_PLUGIN_LIBRARY_PATH")
		require.Contains(t, msg, "xla:/abs/path")
	}
	_, err := engine.NewWithConfig("nosuchbackend")
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "engine: "), err.Error())
}

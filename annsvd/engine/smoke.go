package engine

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// SmokeTest checks that a PJRT plugin library works with this build: it creates a
// client, compiles and runs a small two-layer network's loss and its gradient (reverse
// mode through tanh and the matmul VJP) in float32 and float64, and compares them with
// the pure-Go backend (1e-5 and 1e-12 relative).
func SmokeTest(library string) error {
	x, err := NewWithConfig("xla:" + library)
	if err != nil {
		return err
	}
	defer x.Finalize()
	g, err := NewWithConfig(DefaultConfig)
	if err != nil {
		return err
	}
	defer g.Finalize()
	for _, tc := range []struct {
		f64 bool
		tol float64
	}{{false, 1e-5}, {true, 1e-12}} {
		want, err := smokeValues(g, tc.f64)
		if err != nil {
			return fmt.Errorf("pure Go: %v", err)
		}
		got, err := smokeValues(x, tc.f64)
		if err != nil {
			return err
		}
		for i := range want {
			if d := math.Abs(got[i] - want[i]); d > tc.tol*(1+math.Abs(want[i])) || math.IsNaN(got[i]) {
				return fmt.Errorf("float64=%v: value %d is %g, pure Go gives %g", tc.f64, i, got[i], want[i])
			}
		}
	}
	return nil
}

// smokeValues evaluates the smoke-test graph and returns its outputs flattened.
func smokeValues(b backends.Backend, f64 bool) (out []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	const n, in, hidden = 7, 2, 5
	xs, w1s, w2s := make([]float64, n*in), make([]float64, in*hidden), make([]float64, hidden)
	for i := range xs {
		xs[i] = math.Sin(float64(3*i + 1))
	}
	for i := range w1s {
		w1s[i] = math.Cos(float64(2*i + 1))
	}
	for i := range w2s {
		w2s[i] = 0.5 - 0.2*float64(i)
	}
	args := []any{
		tensorOf(xs, f64, n, in), tensorOf(w1s, f64, in, hidden), tensorOf(w2s, f64, hidden, 1),
	}
	exec, err := NewExec(b, func(x, w1, w2 *Node) []*Node {
		u := Dot(Tanh(Dot(x, w1)), w2)
		loss := ReduceAllMean(Square(u))
		grads := Gradient(loss, w1, w2)
		return []*Node{loss, grads[0], grads[1]}
	})
	if err != nil {
		return nil, err
	}
	res, err := exec.Exec(args...)
	if err != nil {
		return nil, err
	}
	for _, t := range res {
		if f64 {
			out = append(out, tensors.MustCopyFlatData[float64](t)...)
		} else {
			for _, v := range tensors.MustCopyFlatData[float32](t) {
				out = append(out, float64(v))
			}
		}
	}
	return out, nil
}

func tensorOf(v []float64, f64 bool, dims ...int) *tensors.Tensor {
	if f64 {
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

package svd_test

import (
	"fmt"

	"github.com/annsvd/annsvd/annsvd/svd"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// A rank-8 SVD layer mapping 64 features to 32, inside an ordinary GoMLX graph: the
// variables are created on the first build, with k(m+n+1) parameters plus the bias.
func ExampleNew() {
	b, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		panic(err)
	}
	ctx := context.New()
	x := tensors.FromFlatDataAndDimensions(make([]float32, 10*64), 10, 64)
	y, err := context.ExecOnce(b, ctx, func(ctx *context.Context, x *Node) *Node {
		h := svd.New(ctx.In("svd_1"), x, 32).Compact(8).Done()
		return Tanh(h)
	}, x)
	if err != nil {
		panic(err)
	}
	n := 0
	for v := range ctx.IterVariables() {
		n += v.Shape().Size()
	}
	fmt.Println("output", y.Shape().Dimensions, "parameters", n, "=", svd.Params(64, 32, 8, true))
	// Output: output [10 32] parameters 808 = 808
}

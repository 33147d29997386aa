package problems_test

import (
	"fmt"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/problems"
)

// Resolve from code: Burgers' defaults with 500 Adam steps, no quasi-Newton phase and
// a rank-8 SVD layer, as `annsvd train -problem burgers -adam 500 -lbfgs 0 -mode compact
// -rank 8` resolves them.
func ExampleResolve() {
	o := problems.NewOverrides("burgers")
	o.Adam, o.LBFGS = 500, 0
	j, err := problems.Resolve(o.Set("adam", "lbfgs"), annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 8})
	if err != nil {
		panic(err)
	}
	fmt.Println(j.Net.Widths, j.Train.AdamSteps, j.Train.LBFGSIters, j.Train.DType, j.Options.Hard, j.Net.SVD[1])
	// Output: [20 20 20] 500 0 Float64 true compact k=8
}

package problems

import (
	"math"
	"math/rand/v2"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// PoissonPaperSplitSeed fixes the 80/20 train/test split of the paper's 200×200 grid.
const PoissonPaperSplitSeed = 2025

func init() {
	Register(Entry{
		Name:     "poisson-paper",
		Equation: "u_xx + u_yy = 10(x−1)cos 5y − 25(x−1)(y−1) sin 5y on [0,1]², u = (1−x)(1−y) sin 5y",
		About: "Poisson 2-D of Kurniati et al. (2025): hard-constraint trial u = A + x(1−x)y(1−y)·N, " +
			"A the transfinite interpolation of the boundary data; 200×200 grid split 80/20 (train/test), " +
			"full batch; metrics on the test split against the exact solution",
		Defaults: Defaults{Widths: []int{50, 70}, Activation: annsvd.ActTanh, AdamSteps: 100, LR: 1e-3, SVDNoBias: true},
		New:      PoissonPaper,
	})
}

// poissonExact is u(x,y) = (1−x)(1−y) sin 5y.
func poissonExact(x, y float64) float64 { return (1 - x) * (1 - y) * math.Sin(5*y) }

// PoissonPaperGrid returns the paper's 200×200 grid on [0,1]² split 80/20 into train
// and test points with a fixed seed.
func PoissonPaperGrid() (train, test [][]float64) {
	const n = 200
	pts := make([][]float64, 0, n*n)
	for i := range n {
		for j := range n {
			pts = append(pts, []float64{float64(i) / (n - 1), float64(j) / (n - 1)})
		}
	}
	rng := rand.New(rand.NewPCG(PoissonPaperSplitSeed, 0))
	rng.Shuffle(len(pts), func(a, b int) { pts[a], pts[b] = pts[b], pts[a] })
	cut := len(pts) * 8 / 10
	return pts[:cut], pts[cut:]
}

// PoissonPaper builds the paper's Poisson problem.
func PoissonPaper() (*annsvd.Problem, error) {
	train, test := PoissonPaperGrid()
	d2 := annsvd.Derivs{First: []int{0, 1}, Laplacian: []int{0, 1}}
	return &annsvd.Problem{
		Name:     "poisson-paper",
		Equation: registry["poisson-paper"].Equation,
		Coords:   []string{"x", "y"},
		Terms: func(uint64) ([]annsvd.Term, error) {
			return []annsvd.Term{{
				Name: "pde", Points: train, Derivs: d2,
				Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
					// f = 10(x−1)cos 5y − 25(x−1)(y−1) sin 5y
					xm1, ym1 := AddScalar(x[0], -1), AddScalar(x[1], -1)
					f := Sub(MulScalar(Mul(xm1, Cos(MulScalar(x[1], 5))), 10),
						MulScalar(Mul(Mul(xm1, ym1), Sin(MulScalar(x[1], 5))), 25))
					return Sub(u.Laplacian(), f)
				},
			}}, nil
		},
		// u = A + x(1−x)y(1−y)·N with A the transfinite interpolation of the boundary
		// data (zero on y=0, y=1, x=1; g(y) = (1−y) sin 5y on x=0): A = (1−x)·g(y).
		Transform: func(x []annsvd.Jet, n annsvd.Jet) annsvd.Jet {
			oneMinus := func(j annsvd.Jet) annsvd.Jet { return j.Scale(-1).AddConst(1) }
			g := oneMinus(x[1]).Mul(x[1].Scale(5).Sin())
			a := oneMinus(x[0]).Mul(g)
			b := x[0].Mul(oneMinus(x[0])).Mul(x[1]).Mul(oneMinus(x[1]))
			return a.Add(b.Mul(n))
		},
		Reference: func() (*annsvd.EvalSet, error) {
			u := make([]float64, len(test))
			for i, p := range test {
				u[i] = poissonExact(p[0], p[1])
			}
			return &annsvd.EvalSet{Points: test, U: u}, nil
		},
	}, nil
}

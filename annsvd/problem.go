package annsvd

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Term is one loss term of a PINN: a residual r evaluated on its own point set, whose
// contribution to the loss is Weight·mean(r²). Each residual and each boundary or
// initial condition is its own term, reported separately in the history.
type Term struct {
	// Name of the term, e.g. "pde", "bc", "ic".
	Name string
	// Points are the N×d coordinates the term is evaluated on.
	Points [][]float64
	// Data are optional N×k per-point values (e.g. observations), passed to Residual
	// as k nodes of shape [N,1].
	Data [][]float64
	// Derivs lists the derivatives of u the residual reads from its jet.
	Derivs Derivs
	// Residual returns r ([N,1]) from the coordinates x (each [N,1]), the jet of u and
	// the data columns. Row i must depend on point i (and data row i) alone, unless
	// Coupled is set: data-parallel training splits a term's points across workers.
	Residual func(x []*Node, u Jet, data []*Node) *Node
	// ResidualCtx, when set, is used instead of Residual and also sees the context, so
	// that residuals may read (trainable) problem variables, e.g. an unknown
	// coefficient of an inverse problem.
	ResidualCtx func(ctx *context.Context, x []*Node, u Jet, data []*Node) *Node
	// Coupled marks a residual whose rows depend on other points of the term (e.g. a
	// mean over them): training never splits such a term across data-parallel workers
	// (it evaluates the run on one).
	Coupled bool
	// Weight of the term in the loss; 0 means 1.
	Weight float64
	// Sample, when set, draws n points uniformly from the region the term's points
	// cover (e.g. the space–time box of a PDE residual). Residual-based adaptive
	// sampling (solve.RAD) draws its candidate pool with it.
	Sample func(rng *rand.Rand, n int) [][]float64
}

// BoxSampler returns a Term.Sample drawing uniform points in the box [lo, hi].
func BoxSampler(lo, hi []float64) func(rng *rand.Rand, n int) [][]float64 {
	if len(lo) != len(hi) {
		panic(fmt.Sprintf("annsvd: BoxSampler with %d lower and %d upper bounds", len(lo), len(hi)))
	}
	return func(rng *rand.Rand, n int) [][]float64 {
		pts := make([][]float64, n)
		for i := range pts {
			p := make([]float64, len(lo))
			for j := range p {
				p[j] = lo[j] + (hi[j]-lo[j])*rng.Float64()
			}
			pts[i] = p
		}
		return pts
	}
}

// Grid describes an evaluation set laid out on a tensor grid: point k = i·len(Y)+j is
// (X[i], Y[j]). Used for heatmaps.
type Grid struct {
	X, Y         []float64
	XName, YName string
}

// EvalSet is a fixed set of points with independent reference values u*(x).
type EvalSet struct {
	Points [][]float64
	U      []float64
	// Grid is set when the points form a tensor grid (nil otherwise).
	Grid *Grid
}

// Problem is a PDE to solve with a PINN: how to sample its loss terms, an optional hard
// constraint, and an independent reference for error metrics. A new problem is about 30
// lines (see package problems).
type Problem struct {
	// Name used on the command line, e.g. "burgers".
	Name string
	// Equation in Unicode, for listings.
	Equation string
	// Coords names the input coordinates, e.g. ["x", "t"].
	Coords []string
	// Terms samples the loss terms (seeded).
	Terms func(seed uint64) ([]Term, error)
	// Transform, when set, is a hard-constraint trial solution u = T(x, N(x)) built from
	// the network output N, e.g. u = A(x) + B(x)·N(x).
	Transform func(x []Jet, n Jet) Jet
	// Reference returns the evaluation set with independent reference values.
	Reference func() (*EvalSet, error)
	// Periods gives, by coordinate index, the period of a solution periodic in that
	// coordinate (0 or absent: not periodic). A network's periodic embedding
	// (Config.Periodic) must be of such a coordinate, with its period.
	Periods []float64
	// Setup, when set, creates the problem's own variables in ctx (e.g. the log of an
	// unknown coefficient of an inverse problem) before training; trainable ones are
	// trained with the network. Residuals read them through Term.ResidualCtx.
	Setup func(ctx *context.Context, dtype dtypes.DType) error
	// Unknowns, when set, returns the trained values of the problem's unknown physical
	// coefficients by name (e.g. an inverse problem's ν) from the training context; they
	// are reported beside the error metrics (solve.Result.Unknowns).
	Unknowns func(ctx *context.Context) (map[string]float64, error)
}

// Solution returns the jet of u at the coordinates x (jets) for network output n,
// applying the problem's hard constraint if any.
func (p *Problem) Solution(x []Jet, n Jet) Jet {
	if p.Transform == nil {
		return n
	}
	return p.Transform(x, n)
}

// CheckPoints verifies that pts is a non-empty N×dim set of finite numbers; name is used
// in the error.
func CheckPoints(name string, pts [][]float64, dim int) error {
	if len(pts) == 0 {
		return fmt.Errorf("annsvd: %s has no points", name)
	}
	for i, p := range pts {
		if len(p) != dim {
			return fmt.Errorf("annsvd: %s point %d has %d coordinates, want %d", name, i, len(p), dim)
		}
		for j, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("annsvd: %s point %d coordinate %d is %v (must be finite)", name, i, j, v)
			}
		}
	}
	return nil
}

// Metrics are error measures of a prediction u against a reference u*.
type Metrics struct {
	// RelL2 = ‖u − u*‖₂ / ‖u*‖₂.
	RelL2 float64 `json:"rel_l2"`
	// LInf = max |u − u*|.
	LInf float64 `json:"linf"`
	// RMS = √(mean (u − u*)²).
	RMS float64 `json:"rms"`
	// N is the number of evaluation points.
	N int `json:"n"`
}

// MarshalJSON writes a non-finite metric (e.g. the relative L2 against a zero
// reference) as null, so that a finished run's result can always be written.
func (m Metrics) MarshalJSON() ([]byte, error) {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(metricsJSON{RelL2: f(m.RelL2), LInf: f(m.LInf), RMS: f(m.RMS), N: m.N})
}

// UnmarshalJSON reads Metrics written by MarshalJSON (null: NaN).
func (m *Metrics) UnmarshalJSON(b []byte) error {
	var j metricsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	f := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*m = Metrics{RelL2: f(j.RelL2), LInf: f(j.LInf), RMS: f(j.RMS), N: j.N}
	return nil
}

type metricsJSON struct {
	RelL2 *float64 `json:"rel_l2"`
	LInf  *float64 `json:"linf"`
	RMS   *float64 `json:"rms"`
	N     int      `json:"n"`
}

// Compare computes Metrics of pred against ref (same length).
func Compare(pred, ref []float64) (Metrics, error) {
	if len(pred) != len(ref) || len(ref) == 0 {
		return Metrics{}, fmt.Errorf("annsvd: compare %d predictions against %d reference values", len(pred), len(ref))
	}
	var num, den, linf float64
	for i := range ref {
		d := pred[i] - ref[i]
		num += d * d
		den += ref[i] * ref[i]
		linf = math.Max(linf, math.Abs(d))
	}
	m := Metrics{LInf: linf, RMS: math.Sqrt(num / float64(len(ref))), N: len(ref)}
	if den > 0 {
		m.RelL2 = math.Sqrt(num / den)
	} else {
		m.RelL2 = math.Inf(1)
	}
	return m, nil
}

// SubsampleStrided returns a copy of p whose loss terms keep at most n points each: an
// evenly strided selection (deterministic, independent of the seed), with data rows
// following their points. Quick runs use it.
func SubsampleStrided(p *Problem, n int) *Problem {
	return subsample(p, func(uint64) func(int) []int {
		return func(size int) []int {
			idx := make([]int, n)
			for k := range idx {
				idx[k] = k * size / n
			}
			return idx
		}
	}, n)
}

// SubsampleRandom returns a copy of p whose loss terms keep at most n points each: a
// random subset drawn from the terms' seed, with data rows following their points.
// Studies use it, so that each seed sees other points.
func SubsampleRandom(p *Problem, n int) *Problem {
	return subsample(p, func(seed uint64) func(int) []int {
		rng := rand.New(rand.NewPCG(seed, 0x5ab5)) // one stream for all terms, in order
		return func(size int) []int { return rng.Perm(size)[:n] }
	}, n)
}

// subsample keeps, of every term with more than n points (in term order), the points
// that picker(seed) picks from its len(Points).
func subsample(p *Problem, picker func(seed uint64) func(size int) []int, n int) *Problem {
	q := *p
	terms := p.Terms
	q.Terms = func(seed uint64) ([]Term, error) {
		ts, err := terms(seed)
		if err != nil {
			return nil, err
		}
		pick := picker(seed)
		for i := range ts {
			t := &ts[i]
			if len(t.Points) <= n {
				continue
			}
			idx := pick(len(t.Points))
			pts := make([][]float64, len(idx))
			var data [][]float64
			if t.Data != nil {
				data = make([][]float64, len(idx))
			}
			for j, k := range idx {
				pts[j] = t.Points[k]
				if data != nil {
					data[j] = t.Data[k]
				}
			}
			t.Points, t.Data = pts, data
		}
		return ts, nil
	}
	return &q
}

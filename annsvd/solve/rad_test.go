package solve

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/stretchr/testify/require"
)

func TestRADSelectConcentrates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cand := annsvd.BoxSampler([]float64{0}, []float64{1})(rng, 4000)
	res := make([]float64, len(cand))
	inside := func(p []float64) bool { return math.Abs(p[0]-0.5) < 0.05 }
	for i, p := range cand {
		res[i] = 1
		if inside(p) {
			res[i] = -100 // sign must not matter
		}
	}
	frac := func(k, c float64) float64 {
		pts, ev := radSelect(rand.New(rand.NewPCG(3, 4)), cand, res, 400, k, c)
		require.Len(t, pts, 400)
		require.InDelta(t, 100, ev.MaxAbsRes, 1e-12)
		n := 0
		seen := map[*float64]bool{}
		for _, p := range pts {
			require.False(t, seen[&p[0]], "drawn twice")
			seen[&p[0]] = true
			if inside(p) {
				n++
			}
		}
		return float64(n) / float64(len(pts))
	}
	// The window holds 10 % of the candidates; p ∝ |r|/mean|r| + 1 puts about half of
	// the mass there, |r|²-weighting almost all of it, and a huge c is uniform again.
	require.Greater(t, frac(1, 1), 0.35)
	require.Greater(t, frac(2, 0), 0.9)
	require.Less(t, frac(1, 1e6), 0.2)
}

// TestRADHook resamples a 1-D Poisson problem whose residual at initialisation is largest
// where |sin πx| is: the new points keep their count, come from the sampler's box, and
// the events are reported.
func TestRADHook(t *testing.T) {
	p := radProblem()
	h, err := NewRAD(RADConfig{Period: 2, K: 2, C: -1, Keep: 0.25})
	require.NoError(t, err)
	r, err := NewRun(engine.MustDefault(), p, annsvd.Config{Widths: []int{8, 8}}, Config{Seed: 1, Hooks: []Hook{h}})
	require.NoError(t, err)
	before := r.Terms[0].Points
	require.NoError(t, r.AdamSteps(4))
	require.Len(t, h.Events, 2)
	require.Equal(t, 2, h.Events[0].Step)
	require.Equal(t, "pde", h.Events[0].Term)
	// Each event carries the error against the reference when it resampled; the last
	// one (after step 4) is the model's current error.
	require.NotNil(t, h.Events[1].Error)
	m, _, _, err := r.Evaluate()
	require.NoError(t, err)
	require.Equal(t, m, *h.Events[1].Error)
	require.NotEqual(t, h.Events[0].Error.RelL2, h.Events[1].Error.RelL2)
	after := r.Terms[0].Points
	require.Len(t, after, 64)
	kept, far := 0, 0
	for _, q := range after {
		require.GreaterOrEqual(t, q[0], -1.0)
		require.LessOrEqual(t, q[0], 1.0)
		for _, b := range before {
			if &b[0] == &q[0] {
				kept++
			}
		}
		if math.Abs(math.Abs(q[0])-0.5) < 0.3 {
			far++
		}
	}
	require.GreaterOrEqual(t, kept, 1, "a quarter of the points (of the previous draw) is kept")
	// |r|² weighting: most new points where |π² sin πx| is large, i.e. |x| near 0.5.
	require.Greater(t, float64(far)/64, 0.6)
	rep := r.Report()
	require.Len(t, rep.RAD, 2)
	res, err := r.Residuals(0, [][]float64{{0.5}, {0}})
	require.NoError(t, err)
	require.Len(t, res, 2)
	_, err = r.Residuals(1, [][]float64{{0.5}})
	require.NoError(t, err)
	_, err = r.Residuals(2, [][]float64{{0.5}})
	require.ErrorContains(t, err, "term index 2")
	// L-BFGS rounds: 12 iterations in rounds of 5 → 3 rounds, 2 resamplings between them.
	h3, err := NewRAD(RADConfig{Period: 1000, LBFGSEvery: 5})
	require.NoError(t, err)
	res3, _, err := Train(engine.MustDefault(), p, annsvd.Config{Widths: []int{8, 8}}, Config{Seed: 2, AdamSteps: 3, LBFGSIters: 12, Hooks: []Hook{h3}})
	require.NoError(t, err)
	require.Len(t, res3.RAD, 2)
	require.Equal(t, 12, res3.LBFGS.Iterations)
	require.Contains(t, res3.LBFGS.Notes[len(res3.LBFGS.Notes)-1], "3 L-BFGS rounds")
	require.Less(t, res3.LBFGS.LossAfter, res3.LBFGS.LossBefore)
	for _, bad := range []RADConfig{{Period: 1, LBFGSEvery: -1}, {Period: 0}, {Period: 1, Pool: -1}, {Period: 1, K: -1}, {Period: 1, Keep: 1}, {Period: 1, C: math.NaN()}} {
		_, err := NewRAD(bad)
		require.Error(t, err, "%+v", bad)
	}
	h2, _ := NewRAD(RADConfig{Period: 1, Terms: []string{"bc"}})
	_, err = NewRun(engine.MustDefault(), p, annsvd.Config{Widths: []int{8}}, Config{Seed: 1, Hooks: []Hook{h2}})
	require.ErrorContains(t, err, `"bc" has no sampler`)
}

// rad1DPoints are the initial PDE points of radProblem.
func rad1DPoints() [][]float64 {
	return annsvd.BoxSampler([]float64{-1}, []float64{1})(rand.New(rand.NewPCG(9, 9)), 64)
}

// radProblem is −u” = π² sin πx on [−1, 1] with u(±1) = 0 (solution sin πx), its PDE
// points resampleable.
func radProblem() *annsvd.Problem {
	pts := rad1DPoints()
	return &annsvd.Problem{
		Name: "poisson1d", Coords: []string{"x"},
		Reference: func() (*annsvd.EvalSet, error) {
			return &annsvd.EvalSet{Points: [][]float64{{-0.5}, {0.5}}, U: []float64{-1, 1}}, nil
		},
		Terms: func(uint64) ([]annsvd.Term, error) {
			return []annsvd.Term{
				{Name: "pde", Points: pts, Derivs: annsvd.Derivs{First: []int{0}, Second: []int{0}},
					Sample: annsvd.BoxSampler([]float64{-1}, []float64{1}),
					Residual: func(x []*Node, u annsvd.Jet, _ []*Node) *Node {
						return Add(u.DD[0], MulScalar(Sin(MulScalar(x[0], math.Pi)), math.Pi*math.Pi))
					}},
				{Name: "bc", Points: [][]float64{{-1}, {1}}, Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return u.V }},
			}, nil
		},
	}
}

// TestRADRoundsCheckpointResume: with RAD between L-BFGS rounds, a Checkpointer saves
// a checkpoint when the phase starts and after each resampling, holding the new points
// and the events so far; a run resumed from the first resampling's ends exactly as the
// uninterrupted one. A
// checkpoint whose point count differs from the run's is refused.
func TestRADRoundsCheckpointResume(t *testing.T) {
	b := engine.MustDefault()
	net := annsvd.Config{Widths: []int{8, 8}}
	cfg := func() Config {
		h, err := NewRAD(RADConfig{Period: 1000, LBFGSEvery: 5})
		require.NoError(t, err)
		return Config{Seed: 2, AdamSteps: 3, LBFGSIters: 12, DType: dtypes.Float64, Hooks: []Hook{h}}
	}
	dir := t.TempDir()
	c := cfg()
	c.Hooks = append(c.Hooks, &Checkpointer{Dir: dir, Every: 1000, Keep: 10})
	full, _, err := Train(b, radProblem(), net, c)
	require.NoError(t, err)
	require.Len(t, full.RAD, 2)
	paths, err := Checkpoints(dir)
	require.NoError(t, err)
	require.Len(t, paths, 3, "one checkpoint when the phase starts and one after each of the 2 resamplings")

	resumed := cfg()
	resumed.ResumeFrom = paths[1]
	res, r, err := Train(b, radProblem(), net, resumed)
	require.NoError(t, err)
	require.Equal(t, paths[1], res.ResumedFrom)
	require.Equal(t, full.Metrics, res.Metrics)
	require.Equal(t, full.RAD, res.RAD)
	require.Equal(t, full.Step, res.Step)
	require.Equal(t, 12, r.lbfgsDone)
	require.Equal(t, full.LBFGS.Iterations-5, res.LBFGS.Iterations)
	require.NotEqual(t, rad1DPoints(), r.Terms[0].Points, "the resampled points were restored")

	other := radProblem()
	terms := other.Terms
	other.Terms = func(seed uint64) ([]annsvd.Term, error) {
		ts, err := terms(seed)
		ts[0].Points = ts[0].Points[:10]
		return ts, err
	}
	bad := cfg()
	bad.ResumeFrom = paths[1]
	_, _, err = Train(b, other, net, bad)
	require.ErrorContains(t, err, "has 64×1 points for term pde, this run has 10×1")
}

// TestInterruptedQuasiNewtonResumesExactly stops training (as SIGINT does, through
// Config.Stop) inside a quasi-Newton minimisation — plain L-BFGS, L-BFGS in RAD rounds,
// SSBroyden in RAD rounds (its H carried across rounds and saved in the checkpoints) —
// on 1 and 2 workers. The run is then not Resumable, and resuming from the last
// checkpoint (end of Adam, or the last resampling) ends exactly as the uninterrupted
// run: the same metrics and loss history.
func TestInterruptedQuasiNewtonResumesExactly(t *testing.T) {
	b := engine.MustDefault()
	net := annsvd.Config{Widths: []int{8, 8}}
	for _, c := range []struct {
		name    string
		qn      QNUpdate
		rounds  int
		workers int
	}{
		{"lbfgs", QNLBFGS, 0, 1},
		{"lbfgs-2-workers", QNLBFGS, 0, 2},
		{"lbfgs-rad", QNLBFGS, 5, 1},
		{"lbfgs-rad-2-workers", QNLBFGS, 5, 2},
		{"ssbroyden-rad", QNSSBroyden, 5, 1},
		{"ssbroyden-rad-2-workers", QNSSBroyden, 5, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := func(dir string, stopAfter int) Config {
				polls := 0
				cc := Config{Seed: 2, AdamSteps: 3, LBFGSIters: 14, QN: c.qn, DType: dtypes.Float64, Workers: c.workers,
					Stop: func() bool { polls++; return stopAfter > 0 && polls > stopAfter }}
				if c.rounds > 0 {
					h, err := NewRAD(RADConfig{Period: 1000, LBFGSEvery: c.rounds})
					require.NoError(t, err)
					cc.Hooks = append(cc.Hooks, h)
				}
				if dir != "" {
					cc.Hooks = append(cc.Hooks, &Checkpointer{Dir: dir, Every: 1000, Keep: 10})
				}
				return cc
			}
			full, _, err := Train(b, radProblem(), net, cfg("", 0))
			require.NoError(t, err)
			require.Equal(t, 14, full.LBFGS.Iterations)

			dir := t.TempDir()
			part, r, err := Train(b, radProblem(), net, cfg(dir, 3+8)) // inside round 2
			require.ErrorIs(t, err, ErrInterrupted)
			require.True(t, part.Interrupted)
			require.False(t, r.Resumable(), "stopped inside a minimisation")
			require.Less(t, part.Step, full.Step)

			resumed := cfg("", 0)
			resumed.ResumeFrom = dir
			res, _, err := Train(b, radProblem(), net, resumed)
			require.NoError(t, err)
			require.NotEmpty(t, res.ResumedFrom)
			require.Equal(t, full.Metrics, res.Metrics)
			require.Equal(t, full.History.Loss, res.History.Loss)
			require.Equal(t, full.Step, res.Step)
		})
	}
}

// TestLBFGSRoundsReportProgress: every L-BFGS round reports progress with its number,
// the count runs over the whole phase, the error at the last resampling is in the
// note, and the phase closes with a Done report (gonum never records the iteration
// that ends a minimisation, which used to leave later rounds silent).
func TestLBFGSRoundsReportProgress(t *testing.T) {
	h, err := NewRAD(RADConfig{Period: 1000, LBFGSEvery: 5})
	require.NoError(t, err)
	var reps []Progress
	_, _, err = Train(engine.MustDefault(), radProblem(), annsvd.Config{Widths: []int{8, 8}},
		Config{Seed: 2, AdamSteps: 3, LBFGSIters: 12, Hooks: []Hook{h}, Progress: func(p Progress) {
			if p.Phase == "lbfgs" {
				reps = append(reps, p)
			}
		}})
	require.NoError(t, err)
	require.NotEmpty(t, reps)
	rounds := map[int]bool{}
	last := 0
	for i, p := range reps {
		require.Equal(t, 3, p.Rounds)
		require.Equal(t, 12, p.Total)
		require.GreaterOrEqual(t, p.Step, last, "report %d goes back", i)
		last = p.Step
		rounds[p.Round] = true
		require.Contains(t, p.Note, "round "+string(rune('0'+p.Round))+"/3")
		if p.Round > 1 {
			require.Contains(t, p.Note, "rel L2", "round %d", p.Round)
		}
		require.Equal(t, i == len(reps)-1, p.Done, "report %d", i)
	}
	require.Equal(t, map[int]bool{1: true, 2: true, 3: true}, rounds)
	require.Equal(t, 12, reps[len(reps)-1].Step)
}

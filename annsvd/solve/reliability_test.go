package solve_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/stretchr/testify/require"
)

func thinNet() annsvd.Config { return netCfg(annsvd.LayerSpec{Mode: annsvd.Thin}) }

// TestResumeMatchesUninterrupted: a run interrupted at N/2 (checkpoints every k) and
// resumed to N has the same history, step for step, as an uninterrupted run; the Adam
// step counter (bias correction) continues.
func TestResumeMatchesUninterrupted(t *testing.T) {
	b := engine.MustDefault()
	const n = 40
	cfg := solve.Config{AdamSteps: n, LBFGSIters: 5, LR: 5e-3, Seed: 3, LogEvery: 1}
	full, _, err := solve.Train(b, poisson1D(), thinNet(), cfg)
	require.NoError(t, err)

	dir := t.TempDir()
	ck := &solve.Checkpointer{Dir: dir, Every: 7}
	half := cfg
	half.Hooks = []solve.Hook{ck}
	r, err := solve.NewRun(b, poisson1D(), thinNet(), half)
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(n/2))
	_, err = ck.Save(r) // final checkpoint at step 20 (the hook wrote 7 and 14)
	require.NoError(t, err)
	paths, err := solve.Checkpoints(dir)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "ckpt-7"), filepath.Join(dir, "ckpt-14"), filepath.Join(dir, "ckpt-20")}, paths)

	resumed := cfg
	resumed.ResumeFrom = dir
	res, rr, err := solve.Train(b, poisson1D(), thinNet(), resumed)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "ckpt-20"), res.ResumedFrom)
	require.Equal(t, full.History.Step, res.History.Step)
	require.Equal(t, full.History.Phase, res.History.Phase)
	require.Equal(t, full.History.Loss, res.History.Loss)
	require.Equal(t, full.History.Terms, res.History.Terms)
	require.Equal(t, full.Metrics, res.Metrics)
	// Both Adam step counters went on from 20 to 40.
	for _, scope := range []string{"/", "/AdamOptimizer"} {
		v := rr.Ctx.InspectVariable(scope, "global_step")
		require.NotNil(t, v, scope)
		require.Equal(t, int64(n), v.MustValue().Value(), scope)
	}
}

func TestRestoreRefusesOtherSettings(t *testing.T) {
	b := engine.MustDefault()
	dir := t.TempDir()
	cfg := solve.Config{Seed: 3}
	r, err := solve.NewRun(b, poisson1D(), thinNet(), cfg)
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(2))
	_, err = r.SaveCheckpoint(dir, 3)
	require.NoError(t, err)
	ck := filepath.Join(dir, "ckpt-2")

	other := poisson1D()
	other.Name = "poisson1d-b"
	cases := []struct {
		name string
		p    *annsvd.Problem
		net  annsvd.Config
		cfg  solve.Config
		want string
	}{
		{"widths", poisson1D(), annsvd.Config{Widths: []int{16, 16, 16}, SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Thin})}, cfg,
			"checkpoint " + ck + " was written with widths [16 16], this run has [16 16 16]"},
		{"mode", poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 4}), cfg, "was written with modes [dense thin dense], this run has [dense compact dense]"},
		{"dense", poisson1D(), netCfg(annsvd.LayerSpec{Mode: annsvd.Dense}), cfg, "was written with modes [dense thin dense], this run has [dense dense dense]"},
		{"dtype", poisson1D(), thinNet(), solve.Config{Seed: 3, DType: dtypes.Float64}, "was written with dtype float32, this run has float64"},
		{"problem", other, thinNet(), cfg, "was written with problem poisson1d, this run has poisson1d-b"},
		{"seed", poisson1D(), thinNet(), solve.Config{Seed: 4}, "was written with seed 3, this run has 4"},
	}
	for _, c := range cases {
		r2, err := solve.NewRun(b, c.p, c.net, c.cfg)
		require.NoError(t, err, c.name)
		err = r2.Restore(dir)
		require.ErrorContains(t, err, c.want, c.name)
		require.True(t, strings.HasPrefix(err.Error(), "solve: checkpoint "), c.name)
		_, _, err = solve.CheckResume(dir, c.p, c.net, c.cfg)
		require.ErrorContains(t, err, c.want, c.name)
		require.Equal(t, 0, r2.Step, c.name)
	}
	// Budgets are totals: at least the 2 Adam steps done.
	_, _, err = solve.CheckResume(dir, poisson1D(), thinNet(), solve.Config{Seed: 3, AdamSteps: 1})
	require.ErrorContains(t, err, "has done 2 Adam steps, this run's budget is 1")
	_, _, err = solve.CheckResume(dir, poisson1D(), thinNet(), solve.Config{Seed: 3, AdamSteps: 5})
	require.NoError(t, err)
	// Training settings that would change the trajectory are refused by name.
	_, _, err = solve.CheckResume(dir, poisson1D(), thinNet(), solve.Config{Seed: 3, AdamSteps: 5, LR: 0.05})
	require.ErrorContains(t, err, "learning rate 0.001, this run has 0.05")
	cos, err := solve.Cosine(1e-3, 1e-5, 0)
	require.NoError(t, err)
	_, _, err = solve.CheckResume(dir, poisson1D(), thinNet(), solve.Config{Seed: 3, AdamSteps: 5, Hooks: []solve.Hook{cos}})
	require.ErrorContains(t, err, "hooks [], this run has [cosine schedule lr 0.001 → 1e-05 over 5 Adam steps]")
	r3, err := solve.NewRun(b, poisson1D(), thinNet(), cfg)
	require.NoError(t, err)
	require.ErrorContains(t, r3.Restore(filepath.Join(dir, "nothing")), "no such file or directory")
	require.ErrorContains(t, r3.Restore(t.TempDir()), "no checkpoint")
}

func TestCheckpointKeepAtomicAndFallback(t *testing.T) {
	b := engine.MustDefault()
	dir := t.TempDir()
	ck := &solve.Checkpointer{Dir: dir, Every: 5}
	r, err := solve.NewRun(b, poisson1D(), thinNet(), solve.Config{Seed: 1, Hooks: []solve.Hook{ck}})
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(30))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"ckpt-20", "ckpt-25", "ckpt-30"}, names) // no temporary leftovers
	require.Equal(t, filepath.Join(dir, "ckpt-30"), ck.Last)
	files, err := os.ReadDir(ck.Last)
	require.NoError(t, err)
	require.Len(t, files, 2)

	// Saving the same step again replaces it.
	_, err = ck.Save(r)
	require.NoError(t, err)

	// A damaged newest checkpoint is skipped: the previous complete one is restored.
	npz := filepath.Join(dir, "ckpt-30", "variables.npz")
	data, err := os.ReadFile(npz)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(npz, data[:len(data)/2], 0o644))
	r2, err := solve.NewRun(b, poisson1D(), thinNet(), solve.Config{Seed: 1})
	require.NoError(t, err)
	require.NoError(t, r2.Restore(dir))
	require.Equal(t, 25, r2.Step)
	require.Equal(t, filepath.Join(dir, "ckpt-25"), r2.ResumedFrom)
	require.Len(t, r2.SkippedCheckpoints, 1)
	require.Contains(t, r2.SkippedCheckpoints[0], "skipped checkpoint "+filepath.Join(dir, "ckpt-30")+": ")
	// Naming the damaged checkpoint itself is an error naming it.
	require.ErrorContains(t, r2.Restore(filepath.Join(dir, "ckpt-30")), "ckpt-30")
}

// nanOnce is a hook that poisons a network variable with NaN once, at step at.
type nanOnce struct {
	at    int
	fired bool
}

func (h *nanOnce) AfterStep(r *solve.Run, step int) error {
	if step != h.at || h.fired {
		return nil
	}
	h.fired = true
	x := r.FlatParams()
	x[0] = math.NaN()
	return r.SetFlatParams(x)
}

func TestRollbackRecovers(t *testing.T) {
	b := engine.MustDefault()
	cfg := solve.Config{Seed: 2, LR: 4e-3, LogEvery: 1, RollbackEvery: 5, Hooks: []solve.Hook{&nanOnce{at: 7}}}
	r, err := solve.NewRun(b, poisson1D(), thinNet(), cfg)
	require.NoError(t, err)
	require.NoError(t, r.AdamSteps(12))
	require.Equal(t, 12, r.Step)
	require.Equal(t, 1, r.Rollbacks)
	require.InEpsilon(t, 2e-3, r.LR(), 1e-6)
	steps := make([]int, 12)
	for i := range steps {
		steps[i] = i + 1
	}
	require.Equal(t, steps, r.History.Step) // steps 6 and 7 were redone, not duplicated
	require.Len(t, r.History.Events, 1)
	require.Contains(t, r.History.Events[0], "step 8: non-finite loss")
	require.Contains(t, r.History.Events[0], "rolled back to step 5")

	// The first 5 steps equal a run without the poison (same state, same lr).
	clean, err := solve.NewRun(b, poisson1D(), thinNet(), solve.Config{Seed: 2, LR: 4e-3, LogEvery: 1})
	require.NoError(t, err)
	require.NoError(t, clean.AdamSteps(5))
	require.Equal(t, clean.History.Loss, r.History.Loss[:5])
}

// TestDivergingLRRollsBack: a learning rate far too large makes the loss overflow; each
// rollback halves it until the run recovers or stops cleanly with ErrNonFinite.
func TestDivergingLRRollsBack(t *testing.T) {
	p := poisson1D()
	base := p.Terms
	p.Terms = func(seed uint64) ([]annsvd.Term, error) {
		terms, err := base(seed)
		if err != nil {
			return nil, err
		}
		// exp(40·u²) overflows float32 once |u| > 1.5.
		terms = append(terms, annsvd.Term{Name: "blow", Points: [][]float64{{0.3}}, Weight: 1e-6,
			Residual: func(_ []*Node, u annsvd.Jet, _ []*Node) *Node { return Exp(MulScalar(Square(u.V), 40)) }})
		return terms, nil
	}
	const lr = 2.0
	r, err := solve.NewRun(engine.MustDefault(), p, thinNet(), solve.Config{Seed: 1, LR: lr, RollbackEvery: 10, MaxRollbacks: 3})
	require.NoError(t, err)
	err = r.AdamSteps(60)
	t.Logf("rollbacks %d, lr %g, err %v, events %q", r.Rollbacks, r.LR(), err, r.History.Events)
	require.GreaterOrEqual(t, r.Rollbacks, 1)
	require.InEpsilon(t, lr*math.Pow(solve.RollbackLRFactor, float64(r.Rollbacks)), r.LR(), 1e-6)
	require.Len(t, r.History.Events, r.Rollbacks)
	if err != nil {
		require.ErrorIs(t, err, solve.ErrNonFinite)
		require.Equal(t, 3, r.Rollbacks)
		require.Contains(t, err.Error(), "stopped after 3 rollbacks, last good state: step")
	} else {
		require.Equal(t, 60, r.Step)
	}
}

func TestStopInterrupts(t *testing.T) {
	b := engine.MustDefault()
	for _, at := range []int{7, 13} { // in the Adam phase, in the L-BFGS phase
		var r *solve.Run
		cfg := solve.Config{Seed: 1, AdamSteps: 10, LBFGSIters: 50}
		cfg.Stop = func() bool { return r != nil && r.Step >= at }
		cfg.Hooks = []solve.Hook{solve.HookFunc(func(run *solve.Run, _ int) error { r = run; return nil })}
		res, run, err := solve.Train(b, poisson1D(), thinNet(), cfg)
		require.ErrorIs(t, err, solve.ErrInterrupted, "stop at %d", at)
		require.Equal(t, at, run.Step)
		require.True(t, res.Interrupted)
		require.Equal(t, at, res.Step)
		require.Positive(t, res.Metrics.N)
		require.Len(t, res.Prediction, res.Metrics.N)
	}
}

// TestBurgersSameSeedSameHistory: 20 Burgers Adam steps twice with one seed give the
// same per-term history, bit for bit; another seed does not.
func TestBurgersSameSeedSameHistory(t *testing.T) {
	b := engine.MustDefault()
	hist := func(seed uint64) solve.History {
		p, err := problems.Burgers(problems.Options{})
		require.NoError(t, err)
		r, err := solve.NewRun(b, p, annsvd.Config{Widths: []int{20, 20, 20}, SVD: annsvd.DefaultSVD(annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 8})},
			solve.Config{Seed: seed, LogEvery: 1})
		require.NoError(t, err)
		require.NoError(t, r.AdamSteps(20))
		return r.History
	}
	a, c := hist(7), hist(7)
	require.Len(t, a.Loss, 20)
	require.Equal(t, a.Loss, c.Loss)
	require.Equal(t, a.Terms, c.Terms)
	require.NotEqual(t, a.Loss, hist(8).Loss)
}

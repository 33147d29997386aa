package pinnplot

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/viz"
	"github.com/stretchr/testify/require"
)

func renders(t *testing.T, f *viz.Figure) {
	t.Helper()
	b, err := f.SVGBytes()
	require.NoError(t, err)
	require.True(t, bytes.Contains(b, []byte("<svg")))
}

// tiny returns a small version of a catalogue problem for fast tests.
func tiny(t *testing.T, name string, spec annsvd.LayerSpec) (*annsvd.Problem, annsvd.Config, solve.Config) {
	p, net, cfg, err := Setup(name, spec)
	require.NoError(t, err)
	net.Widths = []int{8, 8}
	cfg.AdamSteps, cfg.LBFGSIters, cfg.LogEvery = 4, 2, 1
	return annsvd.SubsampleStrided(p, 64), net, cfg
}

func TestFiguresFromTinyRun(t *testing.T) {
	b := engine.MustDefault()
	p, net, cfg := tiny(t, "poisson-paper", annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 3})
	rec := solve.NewSpectraRecorder(2)
	cfg.Hooks = []solve.Hook{rec}
	res, run, err := solve.Train(b, p, net, cfg)
	require.NoError(t, err)
	require.NoError(t, rec.Record(run, run.Step))
	require.Equal(t, []int{0, 2, 4, run.Step}, rec.Steps()) // L-BFGS may stop early
	require.Equal(t, []string{"hidden 1→2"}, rec.Layers())
	require.Len(t, rec.Records[1].Sigma["hidden 1→2"], 3)

	f, err := Loss(res)
	require.NoError(t, err)
	renders(t, f)

	GridSize = 11
	f, err = Solution(run)
	require.NoError(t, err)
	renders(t, f)

	figs, err := Spectra(rec, nil, 0.5)
	require.NoError(t, err)
	require.Len(t, figs, 1)
	renders(t, figs[0])
	_, err = Spectra(rec, []int{3}, 0)
	require.ErrorContains(t, err, "pinnplot: Spectra: step 3 not recorded")
	_, err = Spectra(&solve.SpectraRecorder{}, nil, 0)
	require.ErrorContains(t, err, "pinnplot:")
}

func TestBurgersSolutionOnGrid(t *testing.T) {
	p, net, cfg := tiny(t, "burgers", annsvd.LayerSpec{Mode: annsvd.Dense})
	res, run, err := solve.Train(engine.MustDefault(), p, net, cfg)
	require.NoError(t, err)
	pred, ref, err := SolutionFields(run)
	require.NoError(t, err)
	require.Equal(t, len(ref.X), len(pred.Z))
	require.Equal(t, res.Reference.Grid.X, ref.X)
	f, err := Solution(run)
	require.NoError(t, err)
	renders(t, f)
	f, err = Loss(res)
	require.NoError(t, err)
	renders(t, f)
}

func TestRankStudy(t *testing.T) {
	p, net, cfg := tiny(t, "poisson-paper", annsvd.LayerSpec{})
	cfg.AdamSteps, cfg.LBFGSIters = 2, 0
	var log strings.Builder
	out, err := study.Run(&study.Config{Problem: p, Net: net, Train: cfg, NoBias: true, Modes: []annsvd.Mode{annsvd.Compact, annsvd.Truncated},
		Ranks: []int{2, 4}, Thresholds: []float64{0.5}, Seeds: 2, Tol: 1.5, Log: &log, Backend: engine.MustDefault()})
	require.NoError(t, err) // in memory: no Out
	require.Len(t, out.Records, 8)
	require.Equal(t, 8, strings.Count(log.String(), "\n"))
	require.Equal(t, out.Records[0].Params-(8*8+8)+2*(8+8+1), out.Records[2].Params) // k(m+n+1), no bias
	pts, de, _ := StudyPoints(out.Summary)
	require.Len(t, pts, 3)
	require.Equal(t, "top-k", pts[0].Mode)
	require.Equal(t, 2, pts[0].Rank)
	require.Greater(t, de, 0.0)
	require.Equal(t, 2, pts[0].Seeds)
	a, b, c, err := RankStudy(out.Summary)
	require.NoError(t, err)
	for _, f := range []*viz.Figure{a, b, c} {
		renders(t, f)
	}
}

// TestLiveProgressRounds: one bar for a phase of rounds, a line per new round (its note),
// and no second bar from the phase's repeated final report.
func TestLiveProgressRounds(t *testing.T) {
	var buf strings.Builder
	update, done := LiveProgress(&buf, "run")
	for round := 1; round <= 3; round++ {
		for it := 1; it <= 10; it++ {
			update(solve.Progress{Phase: "lbfgs", Step: (round-1)*10 + it, Total: 30, Loss: 1, Round: round, Rounds: 3,
				Note: fmt.Sprintf("round %d/3", round)})
		}
	}
	update(solve.Progress{Phase: "lbfgs", Step: 30, Total: 30, Loss: 1, Round: 3, Rounds: 3, Note: "round 3/3", Done: true})
	done()
	out := buf.String()
	for _, r := range []string{"round 1/3", "round 2/3", "round 3/3"} {
		require.Contains(t, out, r)
	}
	// One bar: its 100 % line and its final line, and no second bar from the Done report.
	require.Equal(t, 2, strings.Count(out, "30/30"), out)
}

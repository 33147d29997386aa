package study_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/problems"
	"github.com/stretchr/testify/require"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

func smallStudy(t *testing.T, out string) *study.Config {
	p, err := problems.New("poisson-paper")
	require.NoError(t, err)
	return &study.Config{
		Problem: p, Net: annsvd.Config{Widths: []int{10, 12}}, NoBias: true,
		Train: solve.Config{AdamSteps: 5}, Points: 150,
		Modes: []annsvd.Mode{annsvd.Compact, annsvd.Truncated}, Ranks: []int{2, 4}, Thresholds: []float64{0.5},
		Seeds: 2, Tol: 1.5, Out: out, Backend: engine.MustDefault(),
	}
}

func TestStudyResumesOnlyMissingCells(t *testing.T) {
	dir := t.TempDir()
	c := smallStudy(t, dir)
	ran := 0
	c.Runner = func(cell study.Cell) (study.Record, error) { ran++; return c.DefaultRunner(cell) }
	out, err := study.Run(c)
	require.NoError(t, err)
	total := len(c.Cells())
	require.Equal(t, 8, total) // (dense + k=2 + k=4 + τ=0.5) × 2 seeds
	require.Equal(t, total, ran)
	require.Equal(t, total, out.Ran)
	require.Len(t, out.Summary.Rows, 3)
	for _, f := range []string{"study.md", "study.csv"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	out.Summary.PrintTables(&buf)
	t.Log(buf.String())
	require.Contains(t, buf.String(), "k=4")

	// Keep half of the lines and a partial line, as if the study had been killed.
	path := filepath.Join(dir, study.JSONLName)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	half := strings.Join(lines[:total/2], "") + lines[total/2][:20]
	require.NoError(t, os.WriteFile(path, []byte(half), 0o644))

	ran = 0
	out, err = study.Run(c)
	require.NoError(t, err)
	require.Equal(t, total-total/2, ran)
	require.Equal(t, total/2, out.Reused)
	recs, _, err := study.ReadRecords(path)
	require.NoError(t, err)
	require.Len(t, recs, total)

	// A third run has nothing left to do.
	ran = 0
	_, err = study.Run(c)
	require.NoError(t, err)
	require.Zero(t, ran)
}

func TestStudyBadInput(t *testing.T) {
	for _, tc := range []struct {
		edit func(c *study.Config)
		want string
	}{
		{func(c *study.Config) { c.Modes = nil }, "empty mode axis"},
		{func(c *study.Config) { c.Ranks = nil }, "rank axis"},
		{func(c *study.Config) { c.Ranks = []int{2, 64} }, "rank 64 out of range"},
		{func(c *study.Config) { c.Ranks = []int{0} }, "rank 0"},
		{func(c *study.Config) { c.Thresholds = []float64{100} }, "τ=100 keeps no singular value"},
		{func(c *study.Config) { c.Thresholds = []float64{-1} }, "threshold -1"},
		{func(c *study.Config) { c.Seeds = 0 }, "seeds 0"},
		{func(c *study.Config) { c.Tol = 0.5 }, "tolerance 0.5"},
		{func(c *study.Config) { c.Modes = []annsvd.Mode{annsvd.Dense} }, "mode dense is not a study axis"},
	} {
		c := smallStudy(t, t.TempDir())
		tc.edit(c)
		_, err := study.Run(c)
		require.ErrorContains(t, err, tc.want)
		require.True(t, strings.HasPrefix(err.Error(), "study: "), err.Error())
	}
}

func TestSummaryPicksSmallestAcceptableRank(t *testing.T) {
	rec := func(mode string, k, params int, e float64, seed uint64) study.Record {
		return study.Record{Cell: study.Cell{Mode: mode, Rank: k, Seed: seed}, KeptRank: k, Params: params, RelL2: e}
	}
	recs := []study.Record{
		rec("dense", 0, 1000, 1e-3, 1), rec("dense", 0, 1000, 3e-3, 2), // mean 2e-3
		rec("compact", 2, 200, 9e-3, 1), rec("compact", 2, 200, 7e-3, 2), // 8e-3: too large
		rec("compact", 4, 400, 2e-3, 1), rec("compact", 4, 400, 3.6e-3, 2), // 2.8e-3 ≤ 3e-3
		rec("compact", 8, 800, 1e-3, 1), rec("compact", 8, 800, 1e-3, 2),
	}
	s := study.Summarize(recs, 1.5)
	require.InDelta(t, 2e-3, s.Dense.ErrMean, 1e-12)
	require.InDelta(t, 1.4142e-3, s.Dense.ErrStd, 1e-6)
	b, ok := s.Best["compact"]
	require.True(t, ok)
	require.Equal(t, 4, b.Rank)
	require.InDelta(t, 2.5, b.Ratio, 1e-12)
	require.Contains(t, s.Markdown(), "k=4 kept rank 4")
	csv, err := s.CSV()
	require.NoError(t, err)
	require.Equal(t, 5, strings.Count(string(csv), "\n"))
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/stretchr/testify/require"
)

func TestParseSVDLayers(t *testing.T) {
	w := []int{20, 20, 20, 20} // hidden-to-hidden maps 1..3
	thin := annsvd.LayerSpec{Mode: annsvd.Thin}
	svd, layers, err := parseSVDLayers("1:compact:8,2:truncated:0.3,3:thin", annsvd.LayerSpec{}, w)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, layers)
	require.Equal(t, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 8}, svd[1])
	require.Equal(t, annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: 0.3}, svd[2])
	require.Equal(t, thin, svd[3])
	svd, _, err = parseSVDLayers("2:truncated:0.5r,3", thin, w) // mixed with a plain index (uses -mode)
	require.NoError(t, err)
	require.Equal(t, annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: 0.5, Relative: true}, svd[2])
	require.Equal(t, thin, svd[3])
	svd, _, err = parseSVDLayers("all", thin, w) // old forms
	require.NoError(t, err)
	require.Len(t, svd, 3)
	svd, _, err = parseSVDLayers("1,3", thin, w)
	require.NoError(t, err)
	require.Len(t, svd, 2)
	svd, _, err = parseSVDLayers("1,3", annsvd.LayerSpec{}, w) // -mode dense: nothing factorised
	require.NoError(t, err)
	require.Empty(t, svd)
	for in, want := range map[string]string{
		"4:compact:8":       "layer 4 out of range [1, 3]",
		"0:thin":            "layer 0 out of range",
		"1:compact":         "needs a rank",
		"1:compact:x":       `rank "x"`,
		"1:truncated:-1":    "τ=-1",
		"1:bogus":           `unknown mode "bogus"`,
		"1:thin,1:thin":     "layer 1 given twice",
		"1:compact:8:9":     "too many fields",
		"x:thin":            `"x" is not an integer`,
		"1:truncated:0.3r2": `threshold "0.3r2"`,
	} {
		_, _, err := parseSVDLayers(in, annsvd.LayerSpec{}, w)
		require.ErrorContains(t, err, want, in)
	}
	// End to end: rank 99 is checked against the layer.
	code, _, stderr := runCLI(tinyBurgers("-widths", "8,8,8", "-svd-layers", "1:compact:99")...)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "rank 99 out of range")
	code, stdout, _ := runCLI(tinyBurgers("-widths", "8,8,8", "-svd-layers", "1:compact:3,2:thin")...)
	require.Equal(t, 0, code)
	require.Contains(t, stdout, " 3,8 ")
}

func TestStudyCLI(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-modes", ""}, "-modes is empty"},
		{[]string{"-modes", "thin,bogus"}, `unknown mode "bogus"`},
		{[]string{"-ranks", "2,x"}, `"x" is not an integer`},
		{[]string{"-ranks", "2,200"}, "rank 200 out of range"},
		{[]string{"-thresholds", "50"}, "τ=50 keeps no singular value"},
		{[]string{"-seeds", "0"}, "seeds 0"},
		{[]string{"-out", ""}, "-out is required"},
	} {
		args := append([]string{"study", "-quick", "-out", dir}, tc.args...)
		code, _, stderr := runCLI(args...)
		require.Equal(t, 2, code, tc.args)
		require.Contains(t, stderr, tc.want, tc.args)
		require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	}
	code, stdout, stderr := runCLI("study", "-quick", "-modes", "compact", "-ranks", "2", "-seeds", "1", "-adam", "3",
		"-points", "100", "-widths", "8,8", "-out", dir, "-quiet")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "ran 2 cells, reused 0")
	require.Contains(t, stdout, "k=2")
	for _, f := range []string{"study.jsonl", "study.md", "study.csv"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
	}
	code, stdout, _ = runCLI("study", "-quick", "-modes", "compact", "-ranks", "2", "-seeds", "1", "-adam", "3",
		"-points", "100", "-widths", "8,8", "-out", dir, "-quiet")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "ran 0 cells, reused 2")
}

func TestTransferAndInverseCLI(t *testing.T) {
	code, stdout, stderr := runCLI("study", "transfer", "-grid", "6", "-widths", "8,8", "-svd-layers", "1:compact:4",
		"-adam-src", "5", "-adam-scratch", "5", "-adam-transfer", "2")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "transfer (U,V frozen)")
	code, _, stderr = runCLI("study", "transfer", "-widths", "8,8", "-svd-layers", "1:dense")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "needs at least one SVD layer")
	code, _, stderr = runCLI("inverse", "-obs", "0")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "observation count 0")
	code, _, stderr = runCLI("inverse", "-nu0", "-1")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "ν=-1")
	code, _, stderr = runCLI("inverse", "-qn", "newton")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `quasi-Newton method "newton" unknown`)
	out := filepath.Join(t.TempDir(), "inv")
	code, _, stderr = runCLI("inverse", "-widths", "100000,100000", "-adam", "5", "-out", out)
	require.Equal(t, 2, code, stderr)
	require.Contains(t, stderr, "widths [100000 100000] need an estimated")
	require.NoDirExists(t, out)
	code, _, stderr = runCLI("adapt", "-experiment", "rank", "-tol", "1.5")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "tolerance 1.5")
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSVDLayersCLI: -svd-layers specs are checked against the layers and reach the table.
func TestSVDLayersCLI(t *testing.T) {
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
	code, _, stderr = runCLI("inverse", "-dtype", "")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `-dtype "": allowed float32, float64`)
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

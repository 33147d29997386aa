package main

import (
	"github.com/annsvd/annsvd/annsvd/pointio"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/stretchr/testify/require"
)

// TestPredictReproducesTrainingAndRefusesBadInput: annsvd predict on a train -out
// directory reproduces its prediction.npz bit for bit (from .npz, .npy and .csv points),
// writes derivatives by name, and refuses bad input in one line without writing.
func TestPredictReproducesTrainingAndRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	code, _, stderr := runCLI("train", "-problem", "burgers", "-widths", "8,8", "-adam", "20", "-qn-iters", "5", "-quiet", "-out", run)
	require.Equal(t, 0, code, stderr)
	pred, err := npy.ReadNPZ(filepath.Join(run, "prediction.npz"))
	require.NoError(t, err)
	want := pred["u_pred"].Data

	uNpy := filepath.Join(dir, "u.npy")
	code, stdout, stderr := runCLI("predict", "-run", run, "-points", filepath.Join(run, "prediction.npz"), "-out", uNpy)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "predicted 25600 points (u)")
	got, err := npy.ReadFile(uNpy)
	require.NoError(t, err)
	require.Equal(t, want, got.Data, "bit for bit")

	// A few points from .npy and .csv (with a header), with derivatives.
	pts := pred["points"].Data[:2*5]
	ptsNpy := filepath.Join(dir, "pts.npy")
	require.NoError(t, npy.WriteFile(ptsNpy, &npy.Array{Shape: []int{5, 2}, Data: pts}))
	csvPts := "x,t\n"
	for i := range 5 {
		csvPts += pointio.FormatFloat(pts[2*i]) + "," + pointio.FormatFloat(pts[2*i+1]) + "\n"
	}
	ptsCSV := filepath.Join(dir, "pts.csv")
	require.NoError(t, os.WriteFile(ptsCSV, []byte(csvPts), 0o644))
	dNpz := filepath.Join(dir, "d.npz")
	code, _, stderr = runCLI("predict", "-run", run, "-points", ptsNpy, "-derivs", "u_t,u_xx,u_x", "-out", dNpz)
	require.Equal(t, 0, code, stderr)
	d, err := npy.ReadNPZ(dNpz)
	require.NoError(t, err)
	require.Equal(t, want[:5], d["u"].Data)
	for _, k := range []string{"u_x", "u_t", "u_xx", "points"} {
		require.Contains(t, d, k)
	}
	dCSV := filepath.Join(dir, "d.csv")
	code, _, stderr = runCLI("predict", "-run", run, "-points", ptsCSV, "-derivs", "u_x", "-out", dCSV)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(dCSV)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 6)
	require.Equal(t, "x,t,u,u_x", lines[0])
	require.Equal(t, pointio.FormatFloat(want[0]), strings.Split(lines[1], ",")[2])
	require.Equal(t, pointio.FormatFloat(d["u_x"].Data[0]), strings.Split(lines[1], ",")[3])

	// Bad input.
	wrongCols := filepath.Join(dir, "cols.npy")
	require.NoError(t, npy.WriteFile(wrongCols, &npy.Array{Shape: []int{2, 3}, Data: make([]float64, 6)}))
	nanPts := filepath.Join(dir, "nan.npy")
	require.NoError(t, npy.WriteFile(nanPts, &npy.Array{Shape: []int{1, 2}, Data: []float64{math.NaN(), 0}}))
	other := filepath.Join(dir, "other")
	code, _, stderr = runCLI("train", "-problem", "burgers", "-widths", "8,8,8", "-adam", "1", "-qn-iters", "0", "-quiet", "-out", other)
	require.Equal(t, 0, code, stderr)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"not a run", []string{"-run", dir, "-points", ptsNpy}, "is not a train output directory"},
		{"other network", []string{"-run", run, "-checkpoint", filepath.Join(other, "model"), "-points", ptsNpy}, "was written with widths [8 8 8], this run has [8 8]"},
		{"wrong columns", []string{"-run", run, "-points", wrongCols}, "shape [2 3], want (N, 2)"},
		{"NaN point", []string{"-run", run, "-points", nanPts}, "coordinate 0 is NaN"},
		{"unknown derivative", []string{"-run", run, "-points", ptsNpy, "-derivs", "u_y", "-out", filepath.Join(dir, "bad.npz")}, `unknown derivative "u_y" (allowed: u_x, u_xx, u_t, u_tt)`},
		{"derivs to npy", []string{"-run", run, "-points", ptsNpy, "-derivs", "u_x"}, "holds one array"},
		{"bad extension", []string{"-run", run, "-points", ptsNpy, "-out", filepath.Join(dir, "bad.txt")}, "allowed extensions .npy, .npz, .csv"},
		{"no points", []string{"-run", run}, "-points is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"predict"}, c.args...)
			out := filepath.Join(dir, "bad.npy")
			if !strings.Contains(strings.Join(c.args, " "), "-out") {
				args = append(args, "-out", out)
			}
			code, _, stderr := runCLI(args...)
			require.NotEqual(t, 0, code)
			require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
			require.Contains(t, stderr, c.want)
			for _, f := range []string{out, filepath.Join(dir, "bad.npz"), filepath.Join(dir, "bad.txt")} {
				_, err := os.Stat(f)
				require.ErrorIs(t, err, fs.ErrNotExist, f)
			}
		})
	}
}

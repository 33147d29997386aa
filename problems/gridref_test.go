package problems

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/stretchr/testify/require"
)

// TestLoadGridReferenceBurgersNPZ writes DeepXDE's Burgers.npz layout from the
// Cole–Hopf grid with the npy writer and loads it back: the evaluation set equals the
// built-in reference.
func TestLoadGridReferenceBurgersNPZ(t *testing.T) {
	want, err := burgersReference()
	require.NoError(t, err)
	g := want.Grid
	nx, nt := len(g.X), len(g.Y)
	require.Equal(t, []int{256, 100}, []int{nx, nt})
	path := filepath.Join(t.TempDir(), "Burgers.npz")
	require.NoError(t, npy.WriteNPZCompressed(path, map[string]*npy.Array{
		"x":    {Shape: []int{nx, 1}, Data: g.X},
		"t":    {Shape: []int{nt, 1}, Data: g.Y},
		"usol": {Shape: []int{nx, nt}, Data: want.U},
	}))
	got, err := LoadGridReference(path)
	require.NoError(t, err)
	require.Equal(t, want.Points, got.Points)
	require.Equal(t, want.U, got.U)
	require.Equal(t, want.Grid, got.Grid)

	dir := t.TempDir()
	for name, c := range map[string]struct {
		arrays map[string]*npy.Array
		want   string
	}{
		"missing usol": {map[string]*npy.Array{"x": {Shape: []int{2, 1}, Data: []float64{0, 1}}, "t": {Shape: []int{1, 1}, Data: []float64{0}}},
			`missing array "usol"`},
		"shape": {map[string]*npy.Array{"x": {Shape: []int{2, 1}, Data: []float64{0, 1}}, "t": {Shape: []int{1, 1}, Data: []float64{0}},
			"usol": {Shape: []int{1, 2}, Data: []float64{0, 1}}}, "usol has shape [1 2], want (2, 1)"},
		"nan": {map[string]*npy.Array{"x": {Shape: []int{2, 1}, Data: []float64{0, 1}}, "t": {Shape: []int{1, 1}, Data: []float64{0}},
			"usol": {Shape: []int{2, 1}, Data: []float64{0, nan()}}}, "non-finite value NaN"},
		"order": {map[string]*npy.Array{"x": {Shape: []int{2, 1}, Data: []float64{1, 0}}, "t": {Shape: []int{1, 1}, Data: []float64{0}},
			"usol": {Shape: []int{2, 1}, Data: []float64{0, 1}}}, "x is not strictly increasing"},
	} {
		p := filepath.Join(dir, name+".npz")
		require.NoError(t, npy.WriteNPZ(p, c.arrays))
		_, err := LoadGridReference(p)
		require.ErrorContains(t, err, c.want, name)
		require.ErrorContains(t, err, p, name)
	}
	trunc := filepath.Join(dir, "trunc.npz")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(trunc, b[:len(b)/3], 0o644))
	_, err = LoadGridReference(trunc)
	require.ErrorContains(t, err, trunc)
}

func nan() float64 { return math.NaN() }

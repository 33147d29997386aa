package solve

import (
	"fmt"

	"github.com/annsvd/annsvd/annsvd/npy"
)

// WritePrediction writes a result's evaluation points and the predicted u (and the reference
// u) to an .npz file: points (N,d), u_pred (N), u_ref (N); for a grid reference also
// the axes (nx,1), (ny,1) under their coordinate names and usol_pred, usol (nx,ny) in
// DeepXDE's Burgers.npz layout.
func WritePrediction(path string, res *Result) error {
	ref, pred := res.Reference, res.Prediction
	if ref == nil || len(pred) != len(ref.U) || len(ref.Points) == 0 {
		return fmt.Errorf("no prediction to write to %s", path)
	}
	n := len(ref.Points)
	arrs := map[string]*npy.Array{
		"points": npy.FromRows(ref.Points),
		"u_pred": {Shape: []int{n}, Data: pred},
		"u_ref":  {Shape: []int{n}, Data: ref.U},
	}
	if g := ref.Grid; g != nil && len(g.X)*len(g.Y) == n && g.XName != "" && g.YName != "" && g.XName != g.YName {
		arrs[g.XName] = &npy.Array{Shape: []int{len(g.X), 1}, Data: g.X}
		arrs[g.YName] = &npy.Array{Shape: []int{len(g.Y), 1}, Data: g.Y}
		arrs["usol_pred"] = &npy.Array{Shape: []int{len(g.X), len(g.Y)}, Data: pred}
		arrs["usol"] = &npy.Array{Shape: []int{len(g.X), len(g.Y)}, Data: ref.U}
	}
	return npy.WriteNPZCompressed(path, arrs)
}

package problems

import (
	"fmt"
	"slices"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/npy"
)

// LoadGridReference reads a space–time reference solution in DeepXDE's Burgers.npz
// layout: x (nx,1), t (nt,1) and usol (nx,nt) with usol[i,j] = u(xᵢ, tⱼ) (x and t may
// also be 1-D). It returns the evaluation set on that grid, point k = i·nt + j is
// (xᵢ, tⱼ), with the grid recorded for heatmaps and prediction.npz. Errors name the
// file and what is wrong with it.
func LoadGridReference(path string) (*annsvd.EvalSet, error) {
	arrs, err := npy.ReadNPZMembers(path, "x", "t", "usol")
	if err != nil {
		return nil, fmt.Errorf("problems: reference: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("problems: reference %s: %s", path, fmt.Sprintf(format, args...))
	}
	axis := func(name string) ([]float64, error) {
		a := arrs[name]
		if !(len(a.Shape) == 1 || len(a.Shape) == 2 && a.Shape[1] == 1) || len(a.Data) == 0 {
			return nil, bad("%s has shape %v, want (n, 1) with n ≥ 1", name, a.Shape)
		}
		if err := a.CheckFinite(name); err != nil {
			return nil, bad("%v", err)
		}
		for i := 1; i < len(a.Data); i++ {
			if !(a.Data[i] > a.Data[i-1]) {
				return nil, bad("%s is not strictly increasing (%s[%d] = %g, %s[%d] = %g)", name, name, i-1, a.Data[i-1], name, i, a.Data[i])
			}
		}
		return a.Data, nil
	}
	x, err := axis("x")
	if err != nil {
		return nil, err
	}
	t, err := axis("t")
	if err != nil {
		return nil, err
	}
	u := arrs["usol"]
	if len(u.Shape) != 2 || u.Shape[0] != len(x) || u.Shape[1] != len(t) {
		return nil, bad("usol has shape %v, want (%d, %d) = (len(x), len(t))", u.Shape, len(x), len(t))
	}
	if err := u.CheckFinite("usol"); err != nil {
		return nil, bad("%v", err)
	}
	if !slices.ContainsFunc(u.Data, func(v float64) bool { return v != 0 }) {
		return nil, bad("usol is zero everywhere: the relative L2 error against it is undefined")
	}
	es := &annsvd.EvalSet{Grid: &annsvd.Grid{X: x, Y: t, XName: "x", YName: "t"}, U: u.Data}
	for _, xi := range x {
		for _, tj := range t {
			es.Points = append(es.Points, []float64{xi, tj})
		}
	}
	return es, nil
}

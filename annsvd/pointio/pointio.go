// Package pointio reads evaluation points and writes predicted values at them, in the
// formats annsvd predict takes: .npy (N,d), .npz (array "points") and .csv.
package pointio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/annsvd/annsvd/internal/atomicio"
)

// ParseDerivs parses a list of derivatives, "u_x,u_xx", for the coordinates coords into the first and
// second derivatives to evaluate and their names in that order (first, then second).
func ParseDerivs(s string, coords []string) (annsvd.Derivs, []string, error) {
	var d annsvd.Derivs
	var firstN, secondN []string
	if strings.TrimSpace(s) == "" {
		return d, nil, nil
	}
	var allowed []string
	for _, c := range coords {
		allowed = append(allowed, "u_"+c, "u_"+c+c)
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		i := slices.Index(allowed, name)
		switch {
		case i < 0:
			return d, nil, fmt.Errorf("-derivs: unknown derivative %q (allowed: %s)", name, strings.Join(allowed, ", "))
		case slices.Contains(firstN, name) || slices.Contains(secondN, name):
			return d, nil, fmt.Errorf("-derivs: %s given twice", name)
		case i%2 == 0:
			d.First, firstN = append(d.First, i/2), append(firstN, name)
		default:
			d.Second, secondN = append(d.Second, i/2), append(secondN, name)
		}
	}
	return d, append(firstN, secondN...), nil
}

// ReadPoints reads an N×dim point matrix from .npy, .npz (array "points") or .csv.
func ReadPoints(path string, dim int) ([][]float64, error) {
	var rows [][]float64
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		a, err := npy.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("-points %s: %v", path, err)
		}
		if rows, err = pointRows(path, a, dim); err != nil {
			return nil, err
		}
	case ".npz":
		arrs, err := npy.ReadNPZMembers(path, "points")
		if err != nil {
			return nil, fmt.Errorf("-points %s: %v", path, err)
		}
		if rows, err = pointRows(path, arrs["points"], dim); err != nil {
			return nil, err
		}
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("-points %s: %v", path, atomicio.UnwrapPathErr(err))
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("-points %s: %v", path, err)
		}
		for i, rec := range recs {
			row := make([]float64, len(rec))
			for j, v := range rec {
				x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					if i == 0 {
						row = nil // a header line
						break
					}
					return nil, fmt.Errorf("-points %s: line %d column %d: %q is not a number", path, i+1, j+1, v)
				}
				row[j] = x
			}
			if row != nil {
				rows = append(rows, row)
			}
		}
	default:
		return nil, fmt.Errorf("-points %s: allowed extensions .npy, .npz, .csv", path)
	}
	if err := annsvd.CheckPoints("-points "+path, rows, dim); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "annsvd: "))
	}
	return rows, nil
}

// pointRows checks that a is an N×dim matrix and returns its rows.
func pointRows(path string, a *npy.Array, dim int) ([][]float64, error) {
	if a == nil || len(a.Shape) != 2 || a.Shape[1] != dim {
		shape := []int(nil)
		if a != nil {
			shape = a.Shape
		}
		return nil, fmt.Errorf("-points %s: shape %v, want (N, %d) for the problem's %d coordinates", path, shape, dim, dim)
	}
	return a.Rows()
}

// WriteColumns writes named columns of values at points by the extension ext of
// path: .npy the first column alone, .npz by name (plus the
// points), .csv with the coordinates first.
func WriteColumns(path, ext string, coords []string, points [][]float64, names []string, cols [][]float64) error {
	n := len(points)
	switch ext {
	case ".npy":
		return npy.WriteFile(path, &npy.Array{Shape: []int{n}, Data: cols[0]})
	case ".npz":
		arrs := map[string]*npy.Array{"points": npy.FromRows(points)}
		for i, name := range names {
			arrs[name] = &npy.Array{Shape: []int{n}, Data: cols[i]}
		}
		return npy.WriteNPZ(path, arrs)
	}
	return atomicio.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(append(slices.Clone(coords), names...)); err != nil {
			return err
		}
		for i, p := range points {
			rec := make([]string, 0, len(p)+len(cols))
			for _, x := range p {
				rec = append(rec, FormatFloat(x))
			}
			for _, c := range cols {
				rec = append(rec, FormatFloat(c[i]))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// FormatFloat writes x with the fewest digits that read back as the same float64.
func FormatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

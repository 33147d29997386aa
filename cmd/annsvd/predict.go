package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/annsvd/annsvd/problems"
)

// modelDir is the directory of a train -out directory holding the trained model (a
// checkpoint without the quasi-Newton matrix: solve.SaveModel).
const modelDir = "model"

func runPredict(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd predict", flag.ContinueOnError)
	runDir := fs.String("run", "", "a train -out directory (result.json and model/) (required)")
	ckpt := fs.String("checkpoint", "", "load this checkpoint instead of DIR/model: a -checkpoint directory of the same run (its newest) or one ckpt-<step>")
	ptsFile := fs.String("points", "", "points: .npy (N,d), .npz (array \"points\", as in prediction.npz) or .csv (N rows of d numbers, optionally a header of coordinate names) (required)")
	derivs := fs.String("derivs", "", "derivatives to evaluate too, comma-separated: u_X (first) and u_XX (second) for the problem's coordinates X, e.g. u_x,u_xx,u_t")
	out := fs.String("out", "", "output: .npy (u only), .npz (u and each derivative by name) or .csv (coordinates, u, derivatives as columns) (required)")
	if err := parseFlags(fs, args, "usage: annsvd predict -run DIR -points FILE -out FILE [-derivs u_x,u_xx,…] [-checkpoint CK]   (evaluates a trained run at new points)", stderr); err != nil {
		return err
	}
	for name, v := range map[string]string{"run": *runDir, "points": *ptsFile, "out": *out} {
		if v == "" {
			return usageError{fmt.Errorf("-%s is required", name)}
		}
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if !slices.Contains([]string{".npy", ".npz", ".csv"}, ext) {
		return usageError{fmt.Errorf("-out %s: allowed extensions .npy, .npz, .csv", *out)}
	}
	p, err := problemOfRun(*runDir)
	if err != nil {
		return usageError{err}
	}
	d, names, err := parseDerivs(*derivs, p.Coords)
	if err != nil {
		return usageError{err}
	}
	if ext == ".npy" && len(names) > 0 {
		return usageError{fmt.Errorf("-out %s holds one array (u): use .npz or .csv with -derivs", *out)}
	}
	points, err := readPoints(*ptsFile, len(p.Coords))
	if err != nil {
		return usageError{err}
	}
	if err := checkDirFlag("out", filepath.Dir(*out)); err != nil {
		return err
	}
	model := filepath.Join(*runDir, modelDir)
	if *ckpt != "" {
		if err := solve.CheckSameNetwork(model, *ckpt); err != nil {
			return usageError{err}
		}
		model = *ckpt
	}
	b, err := openBackend(nil)
	if err != nil {
		return err
	}
	run, err := solve.LoadModel(b, p, model)
	if err != nil {
		return usageError{err}
	}
	t0 := time.Now()
	var u []float64
	var first, second [][]float64
	if len(names) == 0 {
		u, err = run.Predict(points) // the graph train's prediction.npz came from
	} else {
		u, first, second, err = run.PredictJet(points, d)
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(t0)
	cols := append([][]float64{u}, append(first, second...)...)
	colNames := append([]string{"u"}, names...)
	if err := writePredicted(*out, ext, p.Coords, points, colNames, cols); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "predicted %d points (%s) in %.1f ms (graph build included); wrote %s\n", len(points), strings.Join(colNames, ", "), elapsed.Seconds()*1e3, *out)
	return nil
}

// problemOfRun rebuilds the problem of a train -out directory from its result.json.
func problemOfRun(dir string) (*annsvd.Problem, error) {
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		return nil, fmt.Errorf("-run %s is not a train output directory: %v", dir, unwrapPathErr(err))
	}
	var rj struct {
		Problem        string            `json:"problem"`
		ProblemOptions *problems.Options `json:"problem_options"`
	}
	if err := json.Unmarshal(b, &rj); err != nil {
		return nil, fmt.Errorf("-run %s: result.json: %v", dir, err)
	}
	if rj.ProblemOptions == nil {
		return nil, fmt.Errorf("-run %s: result.json has no problem_options (written by an older annsvd or by compare): retrain with train", dir)
	}
	e, err := problems.Get(rj.Problem)
	if err != nil {
		return nil, fmt.Errorf("-run %s: %v", dir, err)
	}
	return e.Build(*rj.ProblemOptions)
}

// parseDerivs parses -derivs ("u_x,u_xx") for the coordinates coords into the first and
// second derivatives to evaluate and their names in that order (first, then second).
func parseDerivs(s string, coords []string) (annsvd.Derivs, []string, error) {
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

// readPoints reads an N×dim point matrix from .npy, .npz (array "points") or .csv.
func readPoints(path string, dim int) ([][]float64, error) {
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
			return nil, fmt.Errorf("-points %s: %v", path, unwrapPathErr(err))
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

// writePredicted writes the predicted columns: .npy u alone, .npz by name (plus the
// points), .csv with the coordinates first.
func writePredicted(path, ext string, coords []string, points [][]float64, names []string, cols [][]float64) error {
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
				rec = append(rec, formatFloat(x))
			}
			for _, c := range cols {
				rec = append(rec, formatFloat(c[i]))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// formatFloat writes x with the fewest digits that read back as the same float64.
func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

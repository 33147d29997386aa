package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/annsvd/annsvd/annsvd/pointio"
	"github.com/annsvd/annsvd/annsvd/solve"
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
	p, err := problems.OfRun(*runDir)
	if err != nil {
		return usageError{err}
	}
	d, names, err := pointio.ParseDerivs(*derivs, p.Coords)
	if err != nil {
		return usageError{err}
	}
	if ext == ".npy" && len(names) > 0 {
		return usageError{fmt.Errorf("-out %s holds one array (u): use .npz or .csv with -derivs", *out)}
	}
	points, err := pointio.ReadPoints(*ptsFile, len(p.Coords))
	if err != nil {
		return usageError{err}
	}
	if err := checkDir("out", filepath.Dir(*out)); err != nil {
		return err
	}
	b, err := openBackend(nil)
	if err != nil {
		return err
	}
	run, err := solve.LoadModelOrCheckpoint(b, p, filepath.Join(*runDir, modelDir), *ckpt)
	if err != nil {
		return usageError{err}
	}
	t0 := time.Now()
	u, first, second, err := run.PredictDerivs(points, d)
	if err != nil {
		return err
	}
	elapsed := time.Since(t0)
	cols := append([][]float64{u}, append(first, second...)...)
	colNames := append([]string{"u"}, names...)
	if err := pointio.WriteColumns(*out, ext, p.Coords, points, colNames, cols); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "predicted %d points (%s) in %.1f ms (graph build included); wrote %s\n", len(points), strings.Join(colNames, ", "), elapsed.Seconds()*1e3, *out)
	return nil
}

package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/adapt"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
)

// transferReport is what "annsvd study transfer" measures.
type transferReport struct {
	ASource, ATarget float64
	Spec             string
	SourceErr        float64 `json:"source_rel_l2"`
	SourceS          float64 `json:"source_s"`
	ScratchErr       float64 `json:"scratch_rel_l2"`
	ScratchS         float64 `json:"scratch_s"`
	ScratchSteps     int     `json:"scratch_steps"`
	TransferErr      float64 `json:"transfer_rel_l2"`
	TransferS        float64 `json:"transfer_s"`
	TransferSteps    int     `json:"transfer_steps"`
	TransferParams   int     `json:"transfer_trainable_params"`
	Params           int     `json:"params"`
}

// Transfer trains −Δu = f_a at aSrc, then at aDst (a) from scratch for scratchSteps and
// (b) from the source network with U, V frozen for transferSteps at learning rate
// lrTransfer (s, biases, input and output layers train). Times include compilation.
func Transfer(b backends.Backend, aSrc, aDst float64, grid int, net annsvd.Config, srcSteps, scratchSteps, transferSteps int, lr, lrTransfer float64) (*transferReport, error) {
	src, err := problems.PoissonSine(aSrc, grid)
	if err != nil {
		return nil, err
	}
	dst, err := problems.PoissonSine(aDst, grid)
	if err != nil {
		return nil, err
	}
	cfg := solve.Config{AdamSteps: srcSteps, LR: lr, Seed: 1}
	rep := &transferReport{ASource: aSrc, ATarget: aDst, ScratchSteps: scratchSteps, TransferSteps: transferSteps}
	resSrc, runSrc, err := solve.Train(b, src, net, cfg)
	if err != nil {
		return nil, fmt.Errorf("source a=%g: %w", aSrc, err)
	}
	rep.SourceErr, rep.SourceS, rep.Params = resSrc.Metrics.RelL2, resSrc.Timing.TrainS, resSrc.Network.Params

	cfg.AdamSteps = scratchSteps
	resScratch, _, err := solve.Train(b, dst, net, cfg)
	if err != nil {
		return nil, fmt.Errorf("scratch a=%g: %w", aDst, err)
	}
	rep.ScratchErr, rep.ScratchS = resScratch.Metrics.RelL2, resScratch.Timing.TrainS

	t0 := time.Now()
	cfg.AdamSteps, cfg.LR = transferSteps, lrTransfer
	r, err := solve.NewRun(b, dst, net, cfg)
	if err != nil {
		return nil, err
	}
	if err := solve.CopyNetwork(r, runSrc); err != nil {
		return nil, err
	}
	if err := adapt.FreezeBases(r); err != nil {
		return nil, err
	}
	rep.TransferParams = r.NumParams()
	if err := r.AdamSteps(transferSteps); err != nil {
		return nil, fmt.Errorf("transfer a=%g: %w", aDst, err)
	}
	m, _, _, err := r.Evaluate()
	if err != nil {
		return nil, err
	}
	rep.TransferErr, rep.TransferS = m.RelL2, time.Since(t0).Seconds()
	return rep, nil
}

func runTransfer(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd study transfer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	aSrc := fs.Float64("a-src", 1, "source parameter a of u = sin(aπx)·sin(πy)")
	aDst := fs.Float64("a-dst", 1.5, "target parameter a")
	grid := fs.Int("grid", 24, "n×n interior training grid")
	widths := fs.String("widths", "30,30,30", "hidden widths")
	layers := fs.String("svd-layers", "1:compact:10,2:compact:10", "SVD layers (per-layer specs as in train)")
	src := fs.Int("adam-src", 1500, "Adam steps on the source problem")
	scratch := fs.Int("adam-scratch", 1500, "Adam steps from scratch on the target")
	tr := fs.Int("adam-transfer", 500, "Adam steps of the frozen-basis transfer")
	lr := fs.Float64("lr", 3e-3, "Adam learning rate (source and scratch)")
	lrT := fs.Float64("lr-transfer", 1e-2, "Adam learning rate of the transfer (few parameters: s, biases, input and output layers)")
	out := fs.String("out", "", "directory for transfer.json")
	if err := parseFlags(fs, args, "usage: annsvd study transfer [flags]   (−Δu = f_a: train at a-src, transfer to a-dst with U, V frozen)", stderr); err != nil {
		return err
	}
	w, err := parseInts("widths", *widths)
	if err != nil {
		return err
	}
	svd, _, err := parseSVDLayers(*layers, annsvd.LayerSpec{}, w)
	if err != nil {
		return err
	}
	if len(svd) == 0 {
		return usageError{fmt.Errorf("-svd-layers %q: transfer needs at least one SVD layer (e.g. 1:compact:10)", *layers)}
	}
	if *src < 1 || *scratch < 1 || *tr < 1 {
		return usageError{fmt.Errorf("-adam-src, -adam-scratch and -adam-transfer must be ≥ 1")}
	}
	if !(*lr > 0) || !(*lrT > 0) {
		return usageError{fmt.Errorf("-lr %v and -lr-transfer %v must be > 0", *lr, *lrT)}
	}
	if err := checkOut(*out); err != nil {
		return err
	}
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	net := annsvd.Config{Widths: w, Activation: annsvd.ActTanh, SVD: svd}
	if _, err := solve.CheckNetwork(&annsvd.Problem{Coords: []string{"x", "y"}}, net, solve.Config{}); err != nil {
		return usageError{err}
	}
	rep, err := Transfer(b, *aSrc, *aDst, *grid, net, *src, *scratch, *tr, *lr, *lrT)
	if err != nil {
		return err
	}
	rep.Spec = *layers
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\ta\tAdam steps\ttrainable\trel L2\ttime s\n")
	fmt.Fprintf(tw, "source\t%g\t%d\t%d\t%.3e\t%.1f\n", rep.ASource, *src, rep.Params, rep.SourceErr, rep.SourceS)
	fmt.Fprintf(tw, "scratch\t%g\t%d\t%d\t%.3e\t%.1f\n", rep.ATarget, *scratch, rep.Params, rep.ScratchErr, rep.ScratchS)
	fmt.Fprintf(tw, "transfer (U,V frozen)\t%g\t%d\t%d\t%.3e\t%.1f\n", rep.ATarget, *tr, rep.TransferParams, rep.TransferErr, rep.TransferS)
	tw.Flush()
	fmt.Fprintf(stdout, "transfer/scratch: error %.2f×, time %.2f×\n", rep.TransferErr/rep.ScratchErr, rep.TransferS/rep.ScratchS)
	return writeOutJSON(stdout, *out, "transfer.json", rep)
}

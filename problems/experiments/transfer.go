// Package experiments runs the studies behind annsvd's commands and figures as
// library calls returning their measurements: frozen-basis transfer across a source
// parameter, the adaptive-rank and orthogonality protocols, the inverse Burgers problem,
// and the trainings behind the figures. Drawing them is viz/pinnplot's job; printing
// them the command line's.
package experiments

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

// TransferConfig is a frozen-basis transfer experiment on −Δu = f_a, u = sin(aπx)·sin(πy).
type TransferConfig struct {
	// ASource and ATarget are the source and target parameters a.
	ASource, ATarget float64
	// Grid is the n×n interior training grid.
	Grid int
	// Net is the network; it needs at least one SVD layer.
	Net annsvd.Config
	// SourceSteps, ScratchSteps and TransferSteps are the Adam steps of the three runs.
	SourceSteps, ScratchSteps, TransferSteps int
	// LR is the learning rate of the source and scratch runs, LRTransfer the transfer's.
	LR, LRTransfer float64
}

// Register binds the configuration (but the network) to flags of fs, with annsvd study
// transfer's defaults.
func (c *TransferConfig) Register(fs *flag.FlagSet) {
	fs.Float64Var(&c.ASource, "a-src", 1, "source parameter a of u = sin(aπx)·sin(πy)")
	fs.Float64Var(&c.ATarget, "a-dst", 1.5, "target parameter a")
	fs.IntVar(&c.Grid, "grid", 24, "n×n interior training grid")
	fs.IntVar(&c.SourceSteps, "adam-src", 1500, "Adam steps on the source problem")
	fs.IntVar(&c.ScratchSteps, "adam-scratch", 1500, "Adam steps from scratch on the target")
	fs.IntVar(&c.TransferSteps, "adam-transfer", 500, "Adam steps of the frozen-basis transfer")
	fs.Float64Var(&c.LR, "lr", 3e-3, "Adam learning rate (source and scratch)")
	fs.Float64Var(&c.LRTransfer, "lr-transfer", 1e-2, "Adam learning rate of the transfer (few parameters: s, biases, input and output layers)")
}

// Validate checks the configuration (the network against a 2-D problem).
func (c TransferConfig) Validate() error {
	hasSVD := false
	for _, s := range c.Net.SVD {
		hasSVD = hasSVD || s.Mode != annsvd.Dense
	}
	if !hasSVD {
		return fmt.Errorf("experiments: transfer needs at least one SVD layer (e.g. 1:compact:10)")
	}
	if c.SourceSteps < 1 || c.ScratchSteps < 1 || c.TransferSteps < 1 {
		return fmt.Errorf("experiments: transfer Adam steps %d, %d, %d out of range: each must be ≥ 1", c.SourceSteps, c.ScratchSteps, c.TransferSteps)
	}
	if !(c.LR > 0) || !(c.LRTransfer > 0) {
		return fmt.Errorf("experiments: transfer learning rates %v and %v out of range: need > 0", c.LR, c.LRTransfer)
	}
	_, err := solve.CheckNetwork(&annsvd.Problem{Coords: []string{"x", "y"}}, c.Net, solve.Config{})
	return err
}

// TransferReport is what a transfer experiment measures. Times include compilation.
type TransferReport struct {
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
	SourceSteps      int     `json:"source_steps"`
}

// Transfer trains −Δu = f_a at ASource, then at ATarget (a) from scratch and (b) from
// the source network with U, V frozen (s, biases, input and output layers train).
func Transfer(b backends.Backend, c TransferConfig) (*TransferReport, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	src, err := problems.PoissonSine(c.ASource, c.Grid)
	if err != nil {
		return nil, err
	}
	dst, err := problems.PoissonSine(c.ATarget, c.Grid)
	if err != nil {
		return nil, err
	}
	cfg := solve.Config{AdamSteps: c.SourceSteps, LR: c.LR, Seed: 1}
	rep := &TransferReport{ASource: c.ASource, ATarget: c.ATarget, SourceSteps: c.SourceSteps, ScratchSteps: c.ScratchSteps, TransferSteps: c.TransferSteps}
	resSrc, runSrc, err := solve.Train(b, src, c.Net, cfg)
	if err != nil {
		return nil, fmt.Errorf("source a=%g: %w", c.ASource, err)
	}
	rep.SourceErr, rep.SourceS, rep.Params = resSrc.Metrics.RelL2, resSrc.Timing.TrainS, resSrc.Network.Params
	cfg.AdamSteps = c.ScratchSteps
	resScratch, _, err := solve.Train(b, dst, c.Net, cfg)
	if err != nil {
		return nil, fmt.Errorf("scratch a=%g: %w", c.ATarget, err)
	}
	rep.ScratchErr, rep.ScratchS = resScratch.Metrics.RelL2, resScratch.Timing.TrainS
	t0 := time.Now()
	cfg.AdamSteps, cfg.LR = c.TransferSteps, c.LRTransfer
	r, err := solve.NewRun(b, dst, c.Net, cfg)
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
	if err := r.AdamSteps(c.TransferSteps); err != nil {
		return nil, fmt.Errorf("transfer a=%g: %w", c.ATarget, err)
	}
	m, _, _, err := r.Evaluate()
	if err != nil {
		return nil, err
	}
	rep.TransferErr, rep.TransferS = m.RelL2, time.Since(t0).Seconds()
	return rep, nil
}

// Print writes the report as a table and the transfer/scratch ratios.
func (rep *TransferReport) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\ta\tAdam steps\ttrainable\trel L2\ttime s\n")
	fmt.Fprintf(tw, "source\t%g\t%d\t%d\t%.3e\t%.1f\n", rep.ASource, rep.SourceSteps, rep.Params, rep.SourceErr, rep.SourceS)
	fmt.Fprintf(tw, "scratch\t%g\t%d\t%d\t%.3e\t%.1f\n", rep.ATarget, rep.ScratchSteps, rep.Params, rep.ScratchErr, rep.ScratchS)
	fmt.Fprintf(tw, "transfer (U,V frozen)\t%g\t%d\t%d\t%.3e\t%.1f\n", rep.ATarget, rep.TransferSteps, rep.TransferParams, rep.TransferErr, rep.TransferS)
	tw.Flush()
	fmt.Fprintf(w, "transfer/scratch: error %.2f×, time %.2f×\n", rep.TransferErr/rep.ScratchErr, rep.TransferS/rep.ScratchS)
}

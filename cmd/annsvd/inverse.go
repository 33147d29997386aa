package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/problems/ref"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// inverseRow is one line of the inverse-problem report.
type inverseRow struct {
	Mode      string  `json:"mode"`
	Params    int     `json:"params"`
	Nu        float64 `json:"nu"`
	NuTrue    float64 `json:"nu_true"`
	NuRelErr  float64 `json:"nu_rel_err"`
	URelL2    float64 `json:"u_rel_l2"`
	TrainS    float64 `json:"train_s"`
	Points    int     `json:"observations"`
	Noise     float64 `json:"noise"`
	AdamSteps int     `json:"adam_steps"`
	LBFGS     int     `json:"lbfgs_iters"`
	QN        string  `json:"qn"`
	Widths    []int   `json:"widths"`
	DType     string  `json:"dtype"`
}

func runInverse(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd inverse", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	obs := fs.Int("obs", problems.BurgersInverseObs, "number of observations of u (Cole–Hopf reference grid points)")
	noise := fs.Float64("noise", problems.BurgersInverseNoise, "Gaussian noise level, relative to std(u)")
	seed := fs.Int64("seed", 1, "seed of observations, points and initialisation")
	nu0 := fs.Float64("nu0", problems.BurgersInverseNuInit, "initial guess of ν > 0")
	modes := fs.String("modes", "dense,compact:8", "comma list of modes (as in compare): dense, thin, compact:K, truncated:T")
	d := problems.BurgersInverseDefaults
	adam := fs.Int("adam", d.AdamSteps, "Adam steps")
	lbfgs := fs.Int("lbfgs", d.LBFGSIters, "quasi-Newton iterations after Adam (the -qn method's)")
	qn := fs.String("qn", string(d.QN), "quasi-Newton method after Adam, in float64: "+solve.QNNames)
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	dataW := fs.Float64("data-weight", 1, "weight of the observation term in the loss (the PDE term has weight 1)")
	out := fs.String("out", "", "directory for inverse.json")
	widthsS := fs.String("widths", joinInts(d.Widths), "hidden widths, comma separated (SVD modes factorise every hidden-to-hidden map)")
	dtype := fs.String("dtype", "float64", "float32 or float64")
	schedule := fs.String("schedule", "", "learning-rate schedule: "+solve.ScheduleSyntax)
	radEvery := fs.Int("rad", 0, "residual-based adaptive sampling of the PDE points every N ≥ 1 Adam steps (0: off)")
	radLBFGS := fs.Int("rad-lbfgs", 0, "RAD between L-BFGS rounds of N ≥ 1 iterations (with or without -rad)")
	if err := parseFlags(fs, args, "usage: annsvd inverse [flags]   (Burgers with unknown ν from noisy observations)", stderr); err != nil {
		return err
	}
	if !(*dataW > 0) || math.IsInf(*dataW, 0) {
		return usageError{fmt.Errorf("-data-weight %v out of range: need a finite weight > 0", *dataW)}
	}
	if *seed < 0 || *adam < 0 || *lbfgs < 0 {
		return usageError{fmt.Errorf("-seed, -adam and -lbfgs must be ≥ 0")}
	}
	widths, err := parseInts("widths", *widthsS)
	if err != nil {
		return err
	}
	if *dtype != "float32" && *dtype != "float64" {
		return usageError{fmt.Errorf("-dtype %q: allowed float32, float64", *dtype)}
	}
	qnMethod, err := solve.ParseQNUpdate(*qn)
	if err != nil {
		return usageError{err}
	}
	specs, err := parseModeList(*modes)
	if err != nil {
		return usageError{err}
	}
	pts, u, err := problems.BurgersObservations(*obs, *noise, uint64(*seed))
	if err != nil {
		return usageError{err}
	}
	p, err := problems.BurgersInverseFrom(pts, u, *nu0)
	if err != nil {
		return usageError{err}
	}
	if err := checkOut(*out); err != nil {
		return err
	}
	// Every mode's configuration is built and checked (network, memory, hooks) before
	// the first trains.
	type invJob struct {
		spec annsvd.LayerSpec
		net  annsvd.Config
		cfg  solve.Config
	}
	var jobs []invJob
	for _, spec := range specs {
		net := annsvd.Config{Widths: widths, Activation: annsvd.ActTanh, SVD: map[int]annsvd.LayerSpec{}}
		if spec.Mode != annsvd.Dense {
			for j := 1; j < len(widths); j++ {
				net.SVD[j] = spec
			}
		}
		cfg := solve.Config{AdamSteps: *adam, LBFGSIters: *lbfgs, QN: qnMethod, LR: *lr, Seed: uint64(*seed), Weights: map[string]float64{"data": *dataW}}
		if *dtype == "float64" {
			cfg.DType = dtypes.Float64
		}
		if h, err := solve.ParseSchedule(*schedule, *lr, *adam); err != nil {
			return usageError{err}
		} else if h != nil {
			cfg.Hooks = append(cfg.Hooks, h)
		}
		if *radEvery != 0 || *radLBFGS != 0 {
			h, err := solve.NewRAD(solve.RADConfig{Period: *radEvery, LBFGSEvery: *radLBFGS, Terms: []string{"pde"}})
			if err != nil {
				return usageError{err}
			}
			cfg.Hooks = append(cfg.Hooks, h)
		}
		if _, err := solve.CheckNetwork(p, net, cfg); err != nil {
			return usageError{fmt.Errorf("%s: %w", spec, err)}
		}
		if err := solve.CheckHooks(p, cfg); err != nil {
			return usageError{fmt.Errorf("%s: %w", spec, err)}
		}
		jobs = append(jobs, invJob{spec, net, cfg})
	}
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	var rows []inverseRow
	for _, jb := range jobs {
		spec := jb.spec
		res, run, err := solve.Train(b, p, jb.net, jb.cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", spec, err)
		}
		nu, err := problems.InverseNu(run.Ctx)
		if err != nil {
			return err
		}
		rows = append(rows, inverseRow{Mode: spec.String(), Widths: widths, DType: *dtype, Params: res.Network.Params, Nu: nu, NuTrue: ref.BurgersNu,
			NuRelErr: math.Abs(nu-ref.BurgersNu) / ref.BurgersNu, URelL2: res.Metrics.RelL2, TrainS: res.Timing.TrainS,
			Points: *obs, Noise: *noise, AdamSteps: *adam, LBFGS: *lbfgs, QN: string(qnMethod)})
		last := rows[len(rows)-1]
		fmt.Fprintf(stderr, "inverse %s: ν = %.5g (rel err %.2f%%), u rel L2 %.3e, %.1f s\n", last.Mode, last.Nu, 100*last.NuRelErr, last.URelL2, last.TrainS)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "mode\tparams\tν\tν true\tν rel err\tu rel L2\ttrain s\t(%d obs, noise %g, Adam %d + %s %d)\n", *obs, *noise, *adam, qnMethod.Label(), *lbfgs)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.5g\t%.5g\t%.2f%%\t%.3e\t%.1f\t\n", r.Mode, r.Params, r.Nu, r.NuTrue, 100*r.NuRelErr, r.URelL2, r.TrainS)
	}
	tw.Flush()
	return writeOutJSON(stdout, *out, "inverse.json", rows)
}

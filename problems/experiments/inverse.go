package experiments

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
	"github.com/gomlx/gomlx/backends"
)

// InverseConfig is the inverse Burgers experiment: ν learned from Obs noisy observations
// of u, once per layer spec (SVD specs factorise every hidden-to-hidden map).
type InverseConfig struct {
	Obs   int
	Noise float64
	Seed  uint64
	// Nu0 is the initial guess of ν.
	Nu0    float64
	Specs  []annsvd.LayerSpec
	Widths []int
	// DType is float32 or float64.
	DType string
	// Adam steps, then LBFGS iterations of the QN method.
	Adam, LBFGS int
	QN          string
	LR          float64
	// DataWeight weighs the observation term (the PDE term has weight 1).
	DataWeight float64
	Schedule   string
	// RADEvery and RADLBFGS turn on residual-based adaptive sampling of the PDE points
	// every N Adam steps and between quasi-Newton rounds of N iterations.
	RADEvery, RADLBFGS int
}

// Register binds the configuration to flags of fs, with annsvd inverse's defaults
// (those of problems.BurgersInverseDefaults).
func (c *InverseConfig) Register(fs *flag.FlagSet) {
	d := problems.BurgersInverseDefaults
	fs.IntVar(&c.Obs, "obs", problems.BurgersInverseObs, "number of observations of u (Cole–Hopf reference grid points)")
	fs.Float64Var(&c.Noise, "noise", problems.BurgersInverseNoise, "Gaussian noise level, relative to std(u)")
	fs.Float64Var(&c.Nu0, "nu0", problems.BurgersInverseNuInit, "initial guess of ν > 0")
	fs.IntVar(&c.Adam, "adam", d.AdamSteps, "Adam steps")
	fs.IntVar(&c.LBFGS, "lbfgs", d.LBFGSIters, "quasi-Newton iterations after Adam (the -qn method's)")
	fs.StringVar(&c.QN, "qn", string(d.QN), "quasi-Newton method after Adam, in float64: "+solve.QNNames)
	fs.Float64Var(&c.LR, "lr", 1e-3, "Adam learning rate")
	fs.Float64Var(&c.DataWeight, "data-weight", 1, "weight of the observation term in the loss (the PDE term has weight 1)")
	fs.StringVar(&c.DType, "dtype", "float64", "float32 or float64")
	fs.StringVar(&c.Schedule, "schedule", "", "learning-rate schedule: "+solve.ScheduleSyntax)
	fs.IntVar(&c.RADEvery, "rad", 0, "residual-based adaptive sampling of the PDE points every N ≥ 1 Adam steps (0: off)")
	fs.IntVar(&c.RADLBFGS, "rad-lbfgs", 0, "RAD between L-BFGS rounds of N ≥ 1 iterations (with or without -rad)")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of observations, points and initialisation")
}

// InverseRow is one line of the inverse-problem report.
type InverseRow struct {
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

// InverseJob is one checked training of the inverse experiment.
type InverseJob struct {
	Spec annsvd.LayerSpec
	Net  annsvd.Config
	Cfg  solve.Config
}

// InversePlan is the checked inverse experiment: its problem and one job per spec.
type InversePlan struct {
	Config  InverseConfig
	Problem *annsvd.Problem
	Jobs    []InverseJob
	qn      solve.QNUpdate
}

// PlanInverse draws the observations and builds and checks every spec's configuration
// (network, memory, hooks) before anything trains.
func PlanInverse(c InverseConfig) (*InversePlan, error) {
	if !(c.DataWeight > 0) || math.IsInf(c.DataWeight, 0) {
		return nil, fmt.Errorf("-data-weight %v out of range: need a finite weight > 0", c.DataWeight)
	}
	if c.Adam < 0 || c.LBFGS < 0 {
		return nil, fmt.Errorf("-adam %d and -lbfgs %d must be ≥ 0", c.Adam, c.LBFGS)
	}
	dt, err := problems.ParseDType(c.DType)
	if err != nil {
		return nil, err
	}
	pl := &InversePlan{Config: c}
	if pl.qn, err = solve.ParseQNUpdate(c.QN); err != nil {
		return nil, err
	}
	pts, u, err := problems.BurgersObservations(c.Obs, c.Noise, c.Seed)
	if err != nil {
		return nil, err
	}
	if pl.Problem, err = problems.BurgersInverseFrom(pts, u, c.Nu0); err != nil {
		return nil, err
	}
	for _, spec := range c.Specs {
		net := annsvd.Config{Widths: c.Widths, Activation: annsvd.ActTanh, SVD: map[int]annsvd.LayerSpec{}}
		for j := 1; j < len(c.Widths) && spec.Mode != annsvd.Dense; j++ {
			net.SVD[j] = spec
		}
		cfg := solve.Config{AdamSteps: c.Adam, LBFGSIters: c.LBFGS, QN: pl.qn, LR: c.LR, Seed: c.Seed, DType: dt, Weights: map[string]float64{"data": c.DataWeight}}
		if h, err := solve.ParseSchedule(c.Schedule, c.LR, c.Adam); err != nil {
			return nil, err
		} else if h != nil {
			cfg.Hooks = append(cfg.Hooks, h)
		}
		if c.RADEvery != 0 || c.RADLBFGS != 0 {
			h, err := solve.NewRAD(solve.RADConfig{Period: c.RADEvery, LBFGSEvery: c.RADLBFGS, Terms: []string{"pde"}})
			if err != nil {
				return nil, err
			}
			cfg.Hooks = append(cfg.Hooks, h)
		}
		if _, err := solve.CheckNetwork(pl.Problem, net, cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", spec, err)
		}
		if err := solve.CheckHooks(pl.Problem, cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", spec, err)
		}
		pl.Jobs = append(pl.Jobs, InverseJob{spec, net, cfg})
	}
	return pl, nil
}

// Run trains every job on b, calling done (when not nil) after each.
func (pl *InversePlan) Run(b backends.Backend, done func(InverseRow)) ([]InverseRow, error) {
	c := pl.Config
	var rows []InverseRow
	for _, jb := range pl.Jobs {
		res, run, err := solve.Train(b, pl.Problem, jb.Net, jb.Cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", jb.Spec, err)
		}
		nu, err := problems.InverseNu(run.Ctx)
		if err != nil {
			return nil, err
		}
		row := InverseRow{Mode: jb.Spec.String(), Widths: c.Widths, DType: c.DType, Params: res.Network.Params, Nu: nu, NuTrue: ref.BurgersNu,
			NuRelErr: math.Abs(nu-ref.BurgersNu) / ref.BurgersNu, URelL2: res.Metrics.RelL2, TrainS: res.Timing.TrainS,
			Points: c.Obs, Noise: c.Noise, AdamSteps: c.Adam, LBFGS: c.LBFGS, QN: string(pl.qn)}
		rows = append(rows, row)
		if done != nil {
			done(row)
		}
	}
	return rows, nil
}

// Print writes the rows as a table.
func (pl *InversePlan) Print(w io.Writer, rows []InverseRow) {
	c := pl.Config
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "mode\tparams\tν\tν true\tν rel err\tu rel L2\ttrain s\t(%d obs, noise %g, Adam %d + %s %d)\n", c.Obs, c.Noise, c.Adam, pl.qn.Label(), c.LBFGS)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.5g\t%.5g\t%.2f%%\t%.3e\t%.1f\t\n", r.Mode, r.Params, r.Nu, r.NuTrue, 100*r.NuRelErr, r.URelL2, r.TrainS)
	}
	tw.Flush()
}

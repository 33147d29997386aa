package experiments

import (
	"io"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
)

// FigureSizes are the experiment sizes behind annsvd figures (FiguresFull or
// FiguresQuick).
type FigureSizes struct {
	PoissonAdam, PoissonPoints, SpectraEvery int
	StudyAdam, StudyPoints, StudySeeds       int
	StudyRanks                               []int
	StudyTaus                                []float64
	// SpaceTimeAdam, SpaceTimeQN and SpaceTimePoints shrink the space–time problems'
	// runs (Adam steps, quasi-Newton iterations, points per term); 0 keeps the defaults.
	SpaceTimeAdam, SpaceTimeQN, SpaceTimePoints int
	// QNAdam, QNIters, QNRound and QNPoints shrink the optimizer comparison (Burgers'
	// "ssbroyden" preset against the same with L-BFGS); 0 keeps the preset's.
	QNAdam, QNIters, QNRound, QNPoints int
}

// FiguresFull are the full sizes: the paper Poisson at its defaults (100 Adam steps,
// all 32 000 points); the rank study on a 4 000-point subsample; Burgers, Allen–Cahn and
// heat at their defaults; the optimizer comparison at Burgers' "ssbroyden" budgets.
var FiguresFull = FigureSizes{PoissonAdam: 100, PoissonPoints: 0, SpectraEvery: 10,
	StudyAdam: 100, StudyPoints: 4000, StudySeeds: 3, StudyRanks: []int{1, 2, 3, 5, 10, 20, 50}, StudyTaus: []float64{0.25, 0.5, 1}}

// FiguresQuick are the quick sizes, for CI.
var FiguresQuick = FigureSizes{PoissonAdam: 20, PoissonPoints: 1500, SpectraEvery: 5,
	StudyAdam: 10, StudyPoints: 600, StudySeeds: 2, StudyRanks: []int{2, 8, 20}, StudyTaus: []float64{0.5},
	SpaceTimeAdam: 300, SpaceTimeQN: 50, SpaceTimePoints: 1000, QNAdam: 200, QNIters: 150, QNRound: 50, QNPoints: 1000}

// Trainer trains one configuration; annsvd figures passes one with a live progress
// display (label names the run).
type Trainer func(p *annsvd.Problem, net annsvd.Config, cfg solve.Config, label string) (*solve.Result, *solve.Run, error)

// PoissonModes are the paper's four variants of its Poisson problem.
var PoissonModes = []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Thin},
	{Mode: annsvd.Compact, Rank: 3}, {Mode: annsvd.Truncated, Threshold: 0.5}}

// ModeRun is one trained variant with its singular-value record (nil for dense).
type ModeRun struct {
	Spec    annsvd.LayerSpec
	Result  *solve.Result
	Run     *solve.Run
	Spectra *solve.SpectraRecorder
}

// PoissonPaperModes trains the paper's Poisson problem in each of PoissonModes for
// sz.PoissonAdam Adam steps (on sz.PoissonPoints points when > 0), recording the
// singular values every sz.SpectraEvery steps and at the end.
func PoissonPaperModes(sz FigureSizes, train Trainer) ([]ModeRun, error) {
	var out []ModeRun
	for _, spec := range PoissonModes {
		p, net, cfg, err := problems.Setup("poisson-paper", "", spec)
		if err != nil {
			return nil, err
		}
		if sz.PoissonPoints > 0 {
			p = annsvd.SubsampleStrided(p, sz.PoissonPoints)
		}
		cfg.AdamSteps, cfg.LogEvery = sz.PoissonAdam, 1
		rec := solve.NewSpectraRecorder(sz.SpectraEvery)
		cfg.Hooks = append(cfg.Hooks, rec)
		res, run, err := train(p, net, cfg, "poisson "+spec.String())
		if err != nil {
			return nil, err
		}
		m := ModeRun{Spec: spec, Result: res, Run: run}
		if spec.Mode != annsvd.Dense {
			if err := rec.Record(run, run.Step); err != nil {
				return nil, err
			}
			m.Spectra = rec
		}
		out = append(out, m)
	}
	return out, nil
}

// RankStudy runs the rank study behind the study charts in memory (study.Run): dense,
// compact at sz.StudyRanks and truncated at sz.StudyTaus on the paper's Poisson problem,
// sz.StudySeeds seeds each, on sz.StudyPoints strided points; log receives a line per cell.
func RankStudy(b backends.Backend, sz FigureSizes, log io.Writer) (*study.Outcome, error) {
	p, net, cfg, err := problems.Setup("poisson-paper", "", annsvd.LayerSpec{})
	if err != nil {
		return nil, err
	}
	cfg.AdamSteps = sz.StudyAdam
	return study.Run(&study.Config{Problem: annsvd.SubsampleStrided(p, sz.StudyPoints), Net: net, Train: cfg, NoBias: true,
		Modes: []annsvd.Mode{annsvd.Compact, annsvd.Truncated}, Ranks: sz.StudyRanks, Thresholds: sz.StudyTaus,
		Seeds: sz.StudySeeds, Tol: 1.5, Log: log, Backend: b})
}

// SpaceTimeProblems are the problems of SpaceTime's figures, in figure order.
var SpaceTimeProblems = []string{"burgers", "allen-cahn", "heat"}

// SpaceTimeRun is a space–time problem trained at its defaults.
type SpaceTimeRun struct {
	Name    string
	Problem *annsvd.Problem
	Net     annsvd.Config
	Config  solve.Config
	Result  *solve.Result
	Run     *solve.Run
}

// SpaceTime trains the named problem at its defaults (the quasi-Newton recipe), shrunk
// to sz.SpaceTimeAdam Adam steps, sz.SpaceTimeQN iterations and sz.SpaceTimePoints
// points per term when those are set.
func SpaceTime(name string, sz FigureSizes, train Trainer) (*SpaceTimeRun, error) {
	p, net, cfg, err := problems.Setup(name, "", annsvd.LayerSpec{})
	if err != nil {
		return nil, err
	}
	if sz.SpaceTimeAdam > 0 {
		cfg.AdamSteps, cfg.LBFGSIters = sz.SpaceTimeAdam, sz.SpaceTimeQN
		p = annsvd.SubsampleStrided(p, sz.SpaceTimePoints)
	}
	res, run, err := train(p, net, cfg, name)
	if err != nil {
		return nil, err
	}
	return &SpaceTimeRun{Name: name, Problem: p, Net: net, Config: cfg, Result: res, Run: run}, nil
}

// OptimizerRun is one optimizer of the comparison.
type OptimizerRun struct {
	QN     solve.QNUpdate
	Result *solve.Result
}

// Optimizers trains Burgers' "ssbroyden" preset (dense self-scaled Broyden) and the
// same recipe under L-BFGS, shrunk by sz's QN sizes when set; it returns the preset
// as run and both results.
func Optimizers(sz FigureSizes, train Trainer) (problems.Defaults, []OptimizerRun, error) {
	e, err := problems.Get("burgers")
	if err != nil {
		return problems.Defaults{}, nil, err
	}
	d, err := e.Preset(problems.PresetSSBroyden)
	if err != nil {
		return d, nil, err
	}
	for _, v := range []struct {
		dst *int
		n   int
	}{{&d.AdamSteps, sz.QNAdam}, {&d.LBFGSIters, sz.QNIters}, {&d.RAD.LBFGSEvery, sz.QNRound}, {&d.Points, sz.QNPoints}} {
		if v.n > 0 {
			*v.dst = v.n
		}
	}
	var out []OptimizerRun
	for _, qn := range []solve.QNUpdate{solve.QNSSBroyden, solve.QNLBFGS} {
		d.QN = qn
		p, net, cfg, err := e.ConfigureDefaults(d, 1)
		if err != nil {
			return d, nil, err
		}
		res, _, err := train(p, net, cfg, "burgers "+qn.Label())
		if err != nil {
			return d, nil, err
		}
		out = append(out, OptimizerRun{QN: qn, Result: res})
	}
	return d, out, nil
}

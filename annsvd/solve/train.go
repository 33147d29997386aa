package solve

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/gomlx/gomlx/backends"
)

// Result is everything a training run reports; it is what the CLI writes as
// result.json.
type Result struct {
	Problem string `json:"problem"`
	Backend string `json:"backend"`
	// Engine details the backend: engine, PJRT plugin path and version.
	Engine engine.Info `json:"engine"`
	DType  string      `json:"dtype"`
	// Workers is the number of data-parallel workers the loss was evaluated on (1: the
	// backend alone; see Config.Workers).
	Workers  int            `json:"workers"`
	Deriv    string         `json:"derivatives"`
	Settings Config         `json:"settings"`
	Network  NetworkReport  `json:"network"`
	Metrics  annsvd.Metrics `json:"metrics"`
	// MetricsSkipped, when not empty, says why Metrics were not computed (a problem
	// without a reference solution); Metrics are then zero.
	MetricsSkipped string       `json:"metrics_skipped,omitempty"`
	History        History      `json:"history"`
	Timing         Timing       `json:"timing"`
	LBFGS          *LBFGSReport `json:"lbfgs,omitempty"`
	// Points is the number of points of each loss term (after any resampling: the
	// counts do not change).
	Points map[string]int `json:"points"`
	// Sigma holds the singular values of each SVD layer's U·diag(s)·Vᵀ at the end,
	// keyed by layer name.
	Sigma map[string][]float64 `json:"sigma,omitempty"`
	// Orthogonality holds ‖UᵀU − I‖_F and ‖VᵀV − I‖_F of each SVD layer at the end.
	Orthogonality map[string][2]float64 `json:"orthogonality,omitempty"`
	// Step is the global step reached (Adam steps plus L-BFGS iterations).
	Step int `json:"step"`
	// Interrupted is true when Config.Stop ended training early.
	Interrupted bool `json:"interrupted,omitempty"`
	// ResumedFrom is the checkpoint the run continued from ("" if none).
	ResumedFrom string `json:"resumed_from,omitempty"`
	// SkippedCheckpoints says which newer checkpoints the resume skipped as
	// unreadable, and why.
	SkippedCheckpoints []string `json:"skipped_checkpoints,omitempty"`
	// Rollbacks counts the rollbacks after non-finite steps.
	Rollbacks int `json:"rollbacks,omitempty"`
	// RAD lists the residual-based resamplings (see NewRAD), if any.
	RAD []RADEvent `json:"rad,omitempty"`
	// Unknowns are the trained unknown coefficients of an inverse problem
	// (annsvd.Problem.Unknowns), by name; nil for a forward problem.
	Unknowns map[string]float64 `json:"unknowns,omitempty"`
	// UnknownsError says why Unknowns could not be read, if so.
	UnknownsError string `json:"unknowns_error,omitempty"`
	// Reference is the evaluation set the metrics were computed on and Prediction the
	// network's u on its points (set by Train; not part of the JSON).
	Reference  *annsvd.EvalSet `json:"-"`
	Prediction []float64       `json:"-"`
}

// NetworkReport describes the trained network.
type NetworkReport struct {
	Inputs     int                `json:"inputs"`
	Widths     []int              `json:"widths"`
	Outputs    int                `json:"outputs"`
	Activation string             `json:"activation"`
	Layers     []annsvd.LayerInfo `json:"layers"`
	Params     int                `json:"params"`
	MAdds      int                `json:"madds_per_point"`
}

// Timing reports wall-clock times in seconds (and the Adam step median in ms).
type Timing struct {
	CompileS         float64 `json:"compile_s"`
	AdamS            float64 `json:"adam_s"`
	AdamMsPerStep    float64 `json:"adam_ms_per_step_median"`
	AdamMsPerStepP10 float64 `json:"adam_ms_per_step_p10"`
	AdamMsPerStepP90 float64 `json:"adam_ms_per_step_p90"`
	LBFGSS           float64 `json:"lbfgs_s"`
	TrainS           float64 `json:"train_s"`
}

// Percentile returns the p-quantile (0 ≤ p ≤ 1, nearest rank) of durations in ms.
func Percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Round(p * float64(len(s)-1)))
	return float64(s[i].Microseconds()) / 1000
}

// Report assembles the Result of the run so far (metrics must be filled by the caller
// or by Train).
func (r *Run) Report() *Result {
	res := &Result{
		Problem:  r.Problem.Name,
		Backend:  engine.Describe(r.Backend),
		Engine:   engine.InfoOf(r.Backend),
		DType:    r.Config.DType.String(),
		Deriv:    r.Config.Deriv.String(),
		Settings: r.Config,
		Network: NetworkReport{Inputs: r.Net.Inputs, Widths: r.Net.Widths, Outputs: r.Net.Outputs,
			Activation: r.Net.Activation.String(), Layers: r.Net.Layers, Params: r.Net.Params(), MAdds: r.Net.MAdds()},
		History: r.History, Step: r.Step, ResumedFrom: r.ResumedFrom, SkippedCheckpoints: r.SkippedCheckpoints, Rollbacks: r.Rollbacks, Interrupted: r.stopped,
		Points: map[string]int{},
	}
	if k, err := r.Workers(); err == nil {
		res.Workers = k
	}
	for _, t := range r.Terms {
		res.Points[t.Name] = len(t.Points)
	}
	steps := r.AdamStepTimes
	if len(steps) > 1 {
		steps = steps[1:] // the first step pays for warm-up
	}
	var adam time.Duration
	for _, d := range r.AdamStepTimes {
		adam += d
	}
	res.Timing = Timing{CompileS: r.CompileTime.Seconds(), AdamS: adam.Seconds(),
		AdamMsPerStep: Percentile(steps, 0.5), AdamMsPerStepP10: Percentile(steps, 0.1), AdamMsPerStepP90: Percentile(steps, 0.9)}
	res.RAD = r.radEvents()
	if r.Problem.Unknowns != nil {
		if u, err := r.Problem.Unknowns(r.Ctx); err != nil {
			res.UnknownsError = err.Error()
		} else {
			res.Unknowns = u
		}
	}
	for _, i := range r.Net.SVDLayers() {
		name := r.Net.Layers[i].Name
		if res.Sigma == nil {
			res.Sigma, res.Orthogonality = map[string][]float64{}, map[string][2]float64{}
		}
		if sigma, err := annsvd.SingularValues(r.Ctx, i); err == nil {
			res.Sigma[name] = sigma
		}
		u, v := annsvd.OrthoError(r.Ctx, i)
		res.Orthogonality[name] = [2]float64{u, v}
	}
	return res
}

// radEvents gathers the events of the run's EventRecorder hooks (RAD).
func (r *Run) radEvents() []RADEvent {
	var ev []RADEvent
	for _, h := range r.Config.Hooks {
		if rec, ok := h.(EventRecorder); ok {
			ev = append(ev, rec.RecordedEvents()...)
		}
	}
	return ev
}

// Train runs the whole pipeline: sample, build, (restore the checkpoint of
// Config.ResumeFrom,) Adam, L-BFGS, evaluate against the problem's reference (a problem
// without one trains all the same: Result.MetricsSkipped says so). A resumed
// run trains only what remains of the budget: Config.AdamSteps minus the Adam steps in
// the checkpoint, then the L-BFGS iterations not yet done. On a training error it still
// returns the run (for inspection) and the partial result; when Config.Stop interrupts
// training the result is evaluated at the current state, marked Interrupted, and the
// error wraps ErrInterrupted.
func Train(b backends.Backend, p *annsvd.Problem, netCfg annsvd.Config, cfg Config) (*Result, *Run, error) {
	r, err := NewRun(b, p, netCfg, cfg)
	if err != nil {
		return nil, nil, err
	}
	if cfg.ResumeFrom != "" {
		if err := r.Restore(cfg.ResumeFrom); err != nil {
			return nil, r, err
		}
		if err := budgetError(r.ResumedFrom, r.Config, r.adamDone, r.lbfgsDone); err != nil {
			return nil, r, err
		}
	}
	t0 := time.Now()
	err = r.AdamSteps(max(0, r.Config.AdamSteps-r.adamDone))
	var rep LBFGSReport
	lbfgsLeft := max(0, r.Config.LBFGSIters-r.lbfgsDone)
	if err == nil && lbfgsLeft > 0 {
		rep, err = r.lbfgsRounds(lbfgsLeft)
	}
	train := time.Since(t0)
	res := r.Report()
	res.Timing.TrainS = train.Seconds()
	if r.Config.LBFGSIters > 0 {
		res.LBFGS = &rep
		res.Timing.LBFGSS = rep.WallS
	}
	if err != nil && !errors.Is(err, ErrInterrupted) {
		return res, r, err
	}
	m, ref, pred, eerr := r.Evaluate()
	if errors.Is(eerr, ErrNoReference) {
		res.MetricsSkipped = eerr.Error()
		return res, r, err
	}
	if eerr != nil {
		return res, r, eerr
	}
	res.Metrics, res.Reference, res.Prediction = m, ref, pred
	if err != nil {
		return res, r, err
	}
	if math.IsNaN(m.RelL2) {
		return res, r, errors.New("solve: prediction is NaN on the reference set")
	}
	return res, r, nil
}

// Summary is a one-line description of a result, e.g. for logs.
func (res *Result) Summary() string {
	return fmt.Sprintf("%s params=%d rel_l2=%.3e linf=%.3e rms=%.3e train=%.1fs",
		res.Problem, res.Network.Params, res.Metrics.RelL2, res.Metrics.LInf, res.Metrics.RMS, res.Timing.TrainS)
}

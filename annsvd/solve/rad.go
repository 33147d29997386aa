package solve

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Residuals evaluates the residual of term i (without data: residual terms only) at the
// given points, with the current variables.
func (r *Run) Residuals(i int, points [][]float64) ([]float64, error) {
	if i < 0 || i >= len(r.Terms) {
		return nil, fmt.Errorf("solve: term index %d out of range [0, %d)", i, len(r.Terms))
	}
	t := r.Terms[i]
	if t.Data != nil {
		return nil, fmt.Errorf("solve: term %s has data; Residuals evaluates residual terms only", t.Name)
	}
	dim := len(r.Problem.Coords)
	if err := annsvd.CheckPoints("residual points", points, dim); err != nil {
		return nil, err
	}
	if r.resExec == nil {
		r.resExec = map[int]*context.Exec{}
	}
	e := r.resExec[i]
	if e == nil {
		var err error
		e, err = context.NewExec(r.Backend, r.Ctx, func(ctx *context.Context, x []*Node) *Node {
			return r.residual(ctx, t, x, nil)
		})
		if err != nil {
			return nil, fmt.Errorf("solve: building the residual graph of term %s: %w", t.Name, err)
		}
		r.resExec[i] = e
	}
	outs, err := r.execOn(e, points)
	if err != nil {
		return nil, fmt.Errorf("solve: residual of term %s: %w", t.Name, err)
	}
	return annsvd.TensorFloat64s(outs[0]), nil
}

// RADConfig configures residual-based adaptive distribution sampling (RAD, Wu et al.,
// "A comprehensive study of non-adaptive and residual-based adaptive sampling for
// physics-informed neural networks", CMAME 403, 2023).
type RADConfig struct {
	// Period: resample every Period ≥ 1 Adam steps (0: not during Adam; then
	// LBFGSEvery must be set). Resampling a poorly trained network concentrates the
	// points where its early, misplaced residual is large: on Burgers, RAD from step 500
	// of 2000 made the error 3–7× worse, so pretrain first (RAD between L-BFGS rounds,
	// as Wu et al. do, or a period late in the Adam phase).
	Period int
	// Pool is the number of uniform candidates per term, drawn with Term.Sample
	// (0: 10× the term's point count).
	Pool int
	// K and C shape the density p(x) ∝ |r(x)|^K / mean|r|^K + C: K = 0 or large C is
	// uniform, large K concentrates on the largest residuals (defaults K = 1, C = 1, the
	// paper's recommendation; set C < 0 for C = 0).
	K, C float64
	// Terms names the terms to resample (default: every term with a Sample and no data).
	Terms []string
	// Keep is the fraction of each term's current points carried over unchanged, in
	// [0, 1) (default 0): e.g. boundary-adjacent points of a PDE term.
	Keep float64
	// LBFGSEvery, when > 0, also resamples every LBFGSEvery L-BFGS iterations: L-BFGS
	// runs in rounds, each restarted on the new points (Wu et al.'s train–resample
	// loop); 0 resamples during Adam only.
	LBFGSEvery int
}

// RADEvent records one resampling.
type RADEvent struct {
	Step int    `json:"step"`
	Term string `json:"term"`
	// MeanAbsRes and MaxAbsRes are the candidate pool's mean and max |r|.
	MeanAbsRes float64 `json:"mean_abs_res"`
	MaxAbsRes  float64 `json:"max_abs_res"`
	// Error is the error against the problem's reference just before the resampling
	// (nil when the problem has none): the test-error history of RAD rounds.
	Error *annsvd.Metrics `json:"error,omitempty"`
}

// RAD is the hook of residual-based adaptive sampling: every Period Adam steps, for each
// chosen term, draw Pool uniform candidates, evaluate the residual there and draw the
// term's new points (same count, so nothing recompiles) without replacement with
// probability ∝ |r|^K/mean|r|^K + C (Efraimidis–Spirakis keys). Seeded by the run's seed
// and the step. Events lists what it did.
type RAD struct {
	RADConfig
	Events  []RADEvent
	checked bool
	idx     []int
}

// NewRAD validates cfg and returns the hook.
func NewRAD(cfg RADConfig) (*RAD, error) {
	if cfg.Period < 0 || (cfg.Period == 0 && cfg.LBFGSEvery <= 0) {
		return nil, fmt.Errorf("solve: RAD period %d out of range: need ≥ 1 Adam steps, or 0 with L-BFGS rounds", cfg.Period)
	}
	if cfg.Pool < 0 {
		return nil, fmt.Errorf("solve: RAD pool %d out of range: need ≥ 1 candidates (0: 10× the points)", cfg.Pool)
	}
	if cfg.K == 0 {
		cfg.K = 1
	}
	if cfg.C == 0 {
		cfg.C = 1
	} else if cfg.C < 0 {
		cfg.C = 0
	}
	if !(cfg.K > 0) || math.IsInf(cfg.K, 0) || math.IsNaN(cfg.C) || math.IsInf(cfg.C, 0) {
		return nil, fmt.Errorf("solve: RAD exponent k=%v and constant c=%v out of range: need finite k > 0, c", cfg.K, cfg.C)
	}
	if cfg.LBFGSEvery < 0 {
		return nil, fmt.Errorf("solve: RAD L-BFGS round length %d out of range: need ≥ 1 iterations (0: Adam only)", cfg.LBFGSEvery)
	}
	if !(cfg.Keep >= 0 && cfg.Keep < 1) {
		return nil, fmt.Errorf("solve: RAD keep fraction %v out of range [0, 1)", cfg.Keep)
	}
	return &RAD{RADConfig: cfg}, nil
}

func (h *RAD) terms(r *Run) ([]int, error) {
	var idx []int
	for _, n := range h.Terms {
		i := slices.Index(r.names, n)
		if i < 0 || i >= len(r.Terms) {
			return nil, fmt.Errorf("solve: RAD term %q unknown (terms: %s)", n, termNames(r.Terms))
		}
		if r.Terms[i].Sample == nil || r.Terms[i].Data != nil {
			return nil, fmt.Errorf("solve: RAD term %q has no sampler or carries data: only residual terms with a Sample can be resampled", n)
		}
		idx = append(idx, i)
	}
	if len(h.Terms) == 0 {
		for i, t := range r.Terms {
			if t.Sample != nil && t.Data == nil {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return nil, fmt.Errorf("solve: RAD: problem %s has no term with a sampler", r.Problem.Name)
		}
	}
	return idx, nil
}

// Check verifies, before training (NewRun calls it), that the terms to resample exist
// and have samplers.
func (h *RAD) Check(r *Run) error {
	idx, err := h.terms(r)
	if err != nil {
		return err
	}
	h.idx, h.checked = idx, true
	return nil
}

// Setting describes the resampling (HookSetting).
// RoundLength is RADConfig.LBFGSEvery: the quasi-Newton phase runs in rounds of that
// many iterations (see RoundResampler).
func (h *RAD) RoundLength() int { return h.LBFGSEvery }

// ResampleRound resamples between quasi-Newton rounds (Resample).
func (h *RAD) ResampleRound(r *Run, step int) error { return h.Resample(r, step) }

// RoundNote names the error measured at the last resampling, if any.
func (h *RAD) RoundNote() string {
	if k := len(h.Events); k > 0 && h.Events[k-1].Error != nil {
		return fmt.Sprintf(", rel L2 %.2e at the last resampling", h.Events[k-1].Error.RelL2)
	}
	return ""
}

// RecordedEvents returns the resamplings so far (EventRecorder).
func (h *RAD) RecordedEvents() []RADEvent { return h.Events }

// RestoreEvents replaces the log of resamplings with ev (a checkpoint's).
func (h *RAD) RestoreEvents(ev []RADEvent) { h.Events = slices.Clone(ev) }

func (h *RAD) Setting(Config) string {
	return fmt.Sprintf("RAD period %d pool %d k %g c %g terms %v keep %g rounds of %d", h.Period, h.Pool, h.K, h.C, h.Terms, h.Keep, h.LBFGSEvery)
}

// AfterStep implements Hook.
func (h *RAD) AfterStep(r *Run, step int) error {
	if h.Period == 0 || step%h.Period != 0 {
		return nil
	}
	return h.Resample(r, step)
}

// Resample redraws the points of the hook's terms now (step seeds the draw).
func (h *RAD) Resample(r *Run, step int) error {
	if !h.checked {
		if err := h.Check(r); err != nil {
			return err
		}
	}
	var m *annsvd.Metrics
	if r.Problem.Reference != nil {
		e, _, _, err := r.Evaluate()
		if err != nil {
			return err
		}
		m = &e
	}
	rng := rand.New(rand.NewPCG(r.Config.Seed, uint64(step)^0x7ad5a3b1))
	for _, i := range h.idx {
		t := r.Terms[i]
		n := len(t.Points)
		keep := int(h.Keep * float64(n))
		pool := h.Pool
		if pool == 0 {
			pool = 10 * n
		}
		cand := t.Sample(rng, pool)
		res, err := r.Residuals(i, cand)
		if err != nil {
			return err
		}
		chosen, ev := radSelect(rng, cand, res, n-keep, h.K, h.C)
		ev.Step, ev.Term, ev.Error = step, t.Name, m
		kept := slices.Clone(t.Points)
		rng.Shuffle(len(kept), func(a, b int) { kept[a], kept[b] = kept[b], kept[a] })
		pts := append(kept[:keep:keep], chosen...)
		if err := r.SetTermPoints(i, pts, nil); err != nil {
			return err
		}
		h.Events = append(h.Events, ev)
	}
	return nil
}

// radSelect draws m of the candidates without replacement with weights
// |r|^k/mean|r|^k + c (Efraimidis–Spirakis: the m largest u^(1/w)).
func radSelect(rng *rand.Rand, cand [][]float64, res []float64, m int, k, c float64) ([][]float64, RADEvent) {
	w := make([]float64, len(res))
	var mean, mx, meanAbs float64
	for i, v := range res {
		a := math.Abs(v)
		if math.IsNaN(a) || math.IsInf(a, 0) {
			a = 0
		}
		meanAbs += a
		mx = math.Max(mx, a)
		w[i] = math.Pow(a, k)
		mean += w[i]
	}
	mean /= float64(len(w))
	meanAbs /= float64(len(w))
	type keyed struct {
		key float64
		i   int
	}
	keys := make([]keyed, len(w))
	for i := range w {
		wi := c
		if mean > 0 {
			wi += w[i] / mean
		}
		if wi <= 0 {
			keys[i] = keyed{math.Inf(-1), i}
			continue
		}
		keys[i] = keyed{math.Log(1-rng.Float64()) / wi, i} // log u / w: larger is better
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		switch {
		case a.key > b.key:
			return -1
		case a.key < b.key:
			return 1
		}
		return a.i - b.i
	})
	out := make([][]float64, 0, m)
	for _, kv := range keys[:min(m, len(keys))] {
		out = append(out, cand[kv.i])
	}
	return out, RADEvent{MeanAbsRes: meanAbs, MaxAbsRes: mx}
}

// lbfgsRounds runs up to iters L-BFGS iterations; with a RAD hook whose LBFGSEvery is
// set, in rounds of that many iterations with a resampling between rounds (each round
// restarts L-BFGS on the new points; the dense methods keep their H across rounds). A
// Checkpointer hook with Every > 0 saves a checkpoint when the phase starts and after
// each resampling (with the new points and H, so a resumed run continues exactly
// there); a run resumed inside a round (a checkpoint written mid-round by an older
// version) first completes it. The reports of the rounds are merged.
func (r *Run) lbfgsRounds(iters int) (LBFGSReport, error) {
	rad, rounds := firstHook(r, func(h RoundResampler) bool { return h.RoundLength() > 0 })
	ck, saves := firstHook(r, Saver.SavesOnRounds)
	if saves && r.lbfgsDone == 0 {
		// The phase's starting point: a resume interrupted inside its first
		// minimisation continues from here rather than from an earlier Adam step.
		if _, err := ck.Save(r); err != nil {
			return LBFGSReport{}, err
		}
	}
	if !rounds {
		return r.LBFGS(iters)
	}
	every := rad.RoundLength()
	var total LBFGSReport
	done := 0      // rounds run
	first := every // iterations of the first round (a resumed one completes)
	if r.roundDone > 0 && r.roundDone < every {
		first -= r.roundDone
	}
	nRounds := 1 + (max(0, iters-first)+every-1)/every
	r.phase = phaseProgress{total: iters, rounds: nRounds}
	defer func() { r.phase = phaseProgress{} }()
	for left := iters; left > 0; {
		if done > 0 || r.roundDone >= every {
			if err := rad.ResampleRound(r, r.Step); err != nil {
				return total, err
			}
			// RBA multipliers take the round's updates with the residuals on the new
			// points (λ is frozen inside a round: see RBAConfig).
			if err := r.UpdateRBA(every); err != nil {
				return total, err
			}
			r.roundDone = 0
			if saves {
				if _, err := ck.Save(r); err != nil {
					return total, err
				}
			}
		}
		n := min(left, every-r.roundDone)
		r.phase.base, r.phase.round = iters-left, done+1
		r.phase.note = fmt.Sprintf("round %d/%d", done+1, nRounds) + rad.RoundNote()
		rep, err := r.LBFGS(n)
		r.roundDone += rep.Iterations
		if done == 0 {
			total.LossBefore, total.DType, total.Method = rep.LossBefore, rep.DType, rep.Method
		}
		done++
		total.Iterations += rep.Iterations
		total.FuncEvals += rep.FuncEvals
		total.GradEvals += rep.GradEvals
		total.Status, total.Reason, total.LossAfter = rep.Status, rep.Reason, rep.LossAfter
		total.WallS += rep.WallS
		total.Restarts += rep.Restarts
		total.Updates += rep.Updates
		total.Skipped += rep.Skipped
		total.Attempts = append(total.Attempts, rep.Attempts...)
		for _, note := range rep.Notes {
			if !slices.Contains(total.Notes, note) {
				total.Notes = append(total.Notes, note)
			}
		}
		if err != nil {
			return total, err
		}
		left -= n
		r.roundDone = every // a round that converged early ends too
		if rep.Iterations == 0 {
			break // no progress possible (e.g. a zero gradient): do not spin
		}
	}
	total.Notes = append(total.Notes, fmt.Sprintf("RAD: %d %s rounds of ≤ %d iterations, points redrawn between rounds", done, r.Config.QN.Label(), every))
	r.phase.base = 0 // the closing report counts over the whole phase
	r.reportLBFGS(total.Iterations, iters, total.LossAfter, true)
	return total, nil
}

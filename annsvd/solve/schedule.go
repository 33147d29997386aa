package solve

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ExpDecay returns a hook setting Adam's learning rate to lr₀·rateˢᵗᵉᵖ/ᵉᵛᵉʳʸ after every
// step (smooth exponential decay: the rate is applied once per every steps), with
// lr₀ > 0, rate ∈ (0, 1] and every ≥ 1.
func ExpDecay(lr0, rate float64, every int) (Hook, error) {
	if !(lr0 > 0) || math.IsInf(lr0, 0) {
		return nil, fmt.Errorf("solve: exponential decay initial lr %v out of range: need a finite lr > 0", lr0)
	}
	if !(rate > 0 && rate <= 1) {
		return nil, fmt.Errorf("solve: exponential decay rate %v out of range: need 0 < rate ≤ 1", rate)
	}
	if every < 1 {
		return nil, fmt.Errorf("solve: exponential decay period %d out of range: need ≥ 1 steps", every)
	}
	return schedule{
		lr: func(_ Config, step int) float64 { return lr0 * math.Pow(rate, float64(step)/float64(every)) },
		setting: func(Config) string {
			return fmt.Sprintf("exponential schedule lr %g·%g^(step/%d)", lr0, rate, every)
		},
	}, nil
}

// Cosine returns a hook annealing Adam's learning rate from lr₀ to lrMin over total
// steps: lr = lrMin + ½(lr₀ − lrMin)(1 + cos(π·min(step, total)/total)), with
// lr₀ > 0, 0 < lrMin ≤ lr₀ and total ≥ 0; total = 0 means the run's Config.AdamSteps.
func Cosine(lr0, lrMin float64, total int) (Hook, error) {
	if !(lr0 > 0) || math.IsInf(lr0, 0) {
		return nil, fmt.Errorf("solve: cosine schedule initial lr %v out of range: need a finite lr > 0", lr0)
	}
	if !(lrMin > 0 && lrMin <= lr0) {
		return nil, fmt.Errorf("solve: cosine schedule final lr %v out of range: need 0 < lr ≤ %v", lrMin, lr0)
	}
	if total < 0 {
		return nil, fmt.Errorf("solve: cosine schedule length %d out of range: need ≥ 1 steps (0: the run's Adam steps)", total)
	}
	horizon := func(c Config) int {
		if total == 0 {
			return max(1, c.AdamSteps)
		}
		return total
	}
	return schedule{
		lr: func(c Config, step int) float64 {
			n := horizon(c)
			s := math.Min(float64(step), float64(n))
			return lrMin + 0.5*(lr0-lrMin)*(1+math.Cos(math.Pi*s/float64(n)))
		},
		setting: func(c Config) string {
			return fmt.Sprintf("cosine schedule lr %g → %g over %d Adam steps", lr0, lrMin, horizon(c))
		},
	}, nil
}

// schedule is a learning-rate schedule hook: lr gives the rate after a step, setting
// describes it (HookSetting) so that a resume cannot change it unnoticed.
type schedule struct {
	lr      func(c Config, step int) float64
	setting func(c Config) string
}

// AfterStep sets Adam's learning rate for the next step.
func (s schedule) AfterStep(r *Run, step int) error { return r.SetLR(s.lr(r.Config, step)) }

// Setting describes the schedule for the run's configuration c.
func (s schedule) Setting(c Config) string { return s.setting(c) }

// ScheduleSyntax documents the schedules ParseSchedule accepts.
const ScheduleSyntax = "none | exp:RATE:EVERY (lr·RATE^(step/EVERY)) | cosine[:LRMIN] (to LRMIN over the Adam steps, default lr/100)"

// ParseSchedule parses a learning-rate schedule (see ScheduleSyntax) for a run with
// initial learning rate lr and the given number of Adam steps (0: the run's); "" and
// "none" give a nil hook.
func ParseSchedule(s string, lr float64, steps int) (Hook, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	num := func(i int) (float64, error) {
		v, err := strconv.ParseFloat(parts[i], 64)
		if err != nil {
			return 0, fmt.Errorf("solve: schedule %q: %q is not a number (syntax: %s)", s, parts[i], ScheduleSyntax)
		}
		return v, nil
	}
	switch parts[0] {
	case "", "none":
		if len(parts) == 1 {
			return nil, nil
		}
	case "exp":
		if len(parts) != 3 {
			break
		}
		rate, err := num(1)
		if err != nil {
			return nil, err
		}
		every, err := strconv.Atoi(parts[2])
		if err != nil {
			return nil, fmt.Errorf("solve: schedule %q: period %q is not an integer", s, parts[2])
		}
		return ExpDecay(lr, rate, every)
	case "cosine":
		if len(parts) > 2 {
			break
		}
		lrMin := lr / 100
		if len(parts) == 2 {
			v, err := num(1)
			if err != nil {
				return nil, err
			}
			lrMin = v
		}
		return Cosine(lr, lrMin, steps)
	}
	return nil, fmt.Errorf("solve: unknown schedule %q (syntax: %s)", s, ScheduleSyntax)
}

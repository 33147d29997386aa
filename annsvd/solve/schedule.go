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
	return HookFunc(func(r *Run, step int) error {
		return r.SetLR(lr0 * math.Pow(rate, float64(step)/float64(every)))
	}), nil
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
	return HookFunc(func(r *Run, step int) error {
		n := total
		if n == 0 {
			n = max(1, r.Config.AdamSteps)
		}
		s := math.Min(float64(step), float64(n))
		return r.SetLR(lrMin + 0.5*(lr0-lrMin)*(1+math.Cos(math.Pi*s/float64(n))))
	}), nil
}

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
		return Cosine(lr, lrMin, max(steps, 1))
	}
	return nil, fmt.Errorf("solve: unknown schedule %q (syntax: %s)", s, ScheduleSyntax)
}

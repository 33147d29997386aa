package solve

import (
	"fmt"
	"slices"
)

// Resample returns a hook that draws fresh collocation points for the named terms (all
// terms when none are named) every period ≥ 1 Adam steps, by calling the problem's
// Terms with seed Config.Seed + step and Run.SetTermPoints. Problems whose samplers
// depend on the seed (shifted Hammersley or Sobol', uniform) get new points; a new
// point count recompiles, the same count does not.
func Resample(period int, names ...string) (Hook, error) {
	if period <= 0 {
		return nil, fmt.Errorf("solve: resampling period %d out of range: need ≥ 1 steps", period)
	}
	checked := false
	return HookFunc(func(r *Run, step int) error {
		if !checked {
			for _, n := range names {
				if !slices.Contains(r.names, n) {
					return fmt.Errorf("solve: resampling unknown term %q (terms: %s)", n, termNames(r.Terms))
				}
			}
			checked = true
		}
		if step%period != 0 {
			return nil
		}
		fresh, err := r.Problem.Terms(r.Config.Seed + uint64(step))
		if err != nil {
			return fmt.Errorf("solve: resampling at step %d: %w", step, err)
		}
		if len(fresh) != len(r.Terms) {
			return fmt.Errorf("solve: resampling at step %d: problem returned %d terms, want %d", step, len(fresh), len(r.Terms))
		}
		for i, t := range fresh {
			if len(names) > 0 && !slices.Contains(names, t.Name) {
				continue
			}
			if err := r.SetTermPoints(i, t.Points, t.Data); err != nil {
				return err
			}
		}
		return nil
	}), nil
}

package problems

import (
	"fmt"
	"maps"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
)

// Preset names shared by several problems.
const (
	// PresetSSBroyden names the quasi-Newton presets (see ssBroyden).
	PresetSSBroyden = "ssbroyden"
	// PresetClassic names the earlier Adam + L-BFGS defaults of the problems whose
	// defaults are now their "ssbroyden" recipe.
	PresetClassic = "classic"
)

// registerQN registers e with the "ssbroyden" recipe as that preset and as its defaults,
// keeping its earlier defaults as the "classic" preset. A non-nil cheaper makes the
// defaults a cheaper form of the recipe (fewer iterations or points: see withQNIters)
// for problems whose full recipe takes longer than about 15 minutes on 2 cores on the
// pure-Go engine.
func registerQN(e Entry, recipe Defaults, cheaper func(Defaults) Defaults) {
	classic := e.Defaults
	classic.Note = "the defaults before the quasi-Newton recipe (Adam then L-BFGS, float32)"
	e.Presets = maps.Clone(e.Presets)
	if e.Presets == nil {
		e.Presets = map[string]Defaults{}
	}
	e.Presets[PresetSSBroyden], e.Presets[PresetClassic] = recipe, classic
	e.Defaults = recipe
	if cheaper != nil {
		e.Defaults = cheaper(recipe)
	}
	Register(e)
}

// withQNIters returns the recipe d with a budget of iters quasi-Newton iterations: the
// defaults of problems whose full recipe takes longer than about 15 minutes on 2 cores
// on the pure-Go engine (the measured times are in the README).
func withQNIters(d Defaults, iters int) Defaults {
	d.Note = fmt.Sprintf("the %s preset with %d instead of %d %s iterations", PresetSSBroyden, iters, d.LBFGSIters, d.QN)
	d.LBFGSIters = iters
	return d
}

// ssBroyden is the shape shared by the "ssbroyden" presets, after Urbán, Stefanou & Pons
// (J. Comput. Phys. 2025, arXiv 2405.04230) and Kiyani et al. (CMAME 2025, arXiv
// 2501.16371): a small tanh-like network in float64, Adam with lr 10⁻³ as a warm start,
// then iters iterations of the dense self-scaled Broyden method (solve.DenseQN) in
// rounds of round iterations with residual-based resampling of the PDE points (RAD,
// k = 1, c = 1, 10× pool) between rounds; the inverse-Hessian approximation is kept
// across rounds. The measured errors and wall times are in the README.
func ssBroyden(widths []int, act annsvd.Activation, adam, iters, round int, note string) Defaults {
	return Defaults{Widths: widths, Activation: act, AdamSteps: adam, LBFGSIters: iters, QN: solve.QNSSBroyden,
		LR: 1e-3, Float64: true, RAD: solve.RADConfig{LBFGSEvery: round}, Note: note}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func cliRun(args ...string) (int, string, string) {
	var o, e bytes.Buffer
	code := run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestProblemFlagsBadInput: presets, dimensions, schedules, weights, adaptive weights
// and resampling reject bad values with a usage error naming the value.
func TestProblemFlagsBadInput(t *testing.T) {
	base := []string{"train", "-widths", "4,4", "-adam", "1", "-lbfgs", "0", "-quiet"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-problem", "nope"}, `unknown problem "nope"`},
		{[]string{"-problem", "burgers", "-preset", "fastest"}, `no preset "fastest"`},
		{[]string{"-problem", "poisson-nd", "-dim", "0"}, "-dim 0"},
		{[]string{"-problem", "poisson-nd", "-dim", "-3"}, "-dim -3"},
		{[]string{"-problem", "poisson-nd", "-dim", "900"}, "dimension 900"},
		{[]string{"-problem", "poisson-nd", "-dim", "200", "-widths", "9000,9000"}, "dimension 200 with widths [9000 9000]"},
		{[]string{"-problem", "heat", "-dim", "3"}, "option dim 3"},
		{[]string{"-problem", "burgers", "-dim", "3"}, "burgers has a fixed dimension: option dim 3"},
		{[]string{"-problem", "heat", "-resample", "0"}, "resampling period 0"},
		{[]string{"-problem", "heat", "-resample", "-2"}, "resampling period -2"},
		{[]string{"-problem", "heat", "-adaptive", "0"}, "-adaptive 0"},
		{[]string{"-problem", "heat", "-adaptive", "10", "-adaptive-alpha", "1.5"}, "α = 1.5"},
		{[]string{"-problem", "heat", "-weights", "bc=-1"}, `weight "-1" of term bc`},
		{[]string{"-problem", "heat", "-weights", "bc=NaN"}, `weight "NaN" of term bc`},
		{[]string{"-problem", "heat", "-weights", "bc"}, `"bc" is not term=value`},
		{[]string{"-problem", "heat", "-schedule", "exp:2:10"}, "rate 2"},
		{[]string{"-problem", "heat", "-schedule", "step"}, `unknown schedule "step"`},
		{[]string{"-problem", "heat", "-rad", "0"}, "-rad 0"},
		{[]string{"-problem", "heat", "-preset", "classic", "-rad-k", "2"}, "-rad-k needs -rad N or -rad-lbfgs N"},
		{[]string{"-problem", "heat", "-rad-lbfgs", "0"}, "-rad-lbfgs 0"},
		{[]string{"-problem", "heat", "-rad", "10", "-rad-keep", "1"}, "keep fraction 1"},
		{[]string{"-problem", "heat", "-rad", "10", "-rad-pool", "0"}, "-rad-pool 0"},
		{[]string{"-problem", "poisson-paper", "-rad", "10"}, "no term with a sampler"},
		{[]string{"-problem", "heat", "-fourier", "-1"}, "-fourier -1"},
		{[]string{"-problem", "heat", "-fourier", "8", "-fourier-sigma", "-1"}, "σ=-1"},
		{[]string{"-problem", "heat", "-fourier-sigma", "2"}, "-fourier-sigma needs -fourier"},
		{[]string{"-problem", "heat", "-svd-product", "both"}, `product order "both"`},
		{[]string{"-problem", "heat", "-hard"}, "heat has no hard-constraint variant"},
		{[]string{"-problem", "burgers", "-points", "0"}, "-points 0 out of range [1, 4194304]"},
		{[]string{"-problem", "burgers", "-points", "-5"}, "-points -5 out of range"},
		{[]string{"-problem", "burgers", "-points", "5000000"}, "-points 5000000 out of range"},
		{[]string{"-problem", "heat", "-points", "100"}, "heat has a fixed point set: option points 100"},
	}
	for _, c := range cases {
		code, _, stderr := cliRun(append(append([]string{}, base...), c.args...)...)
		require.Equal(t, 2, code, "%v: %s", c.args, stderr)
		require.Contains(t, stderr, c.want, c.args)
	}
	// An unknown term in -weights is a runtime error naming the term.
	code, _, stderr := cliRun(append(append([]string{}, base...), "-problem", "heat", "-weights", "zz=1")...)
	require.NotEqual(t, 0, code)
	require.Contains(t, stderr, `"zz"`)
}

// TestEveryProblemTrainsFromCLI runs one Adam step of every problem (poisson-nd with
// -dim 3) with schedule, adaptive weights and resampling enabled.
func TestEveryProblemTrainsFromCLI(t *testing.T) {
	code, out, stderr := cliRun("problems")
	require.Equal(t, 0, code, stderr)
	for _, name := range []string{"heat", "helmholtz", "allen-cahn", "poisson-nd", "burgers", "poisson-paper"} {
		require.Contains(t, out, name+"\n")
		args := []string{"train", "-problem", name, "-widths", "4,4", "-adam", "2", "-lbfgs", "1", "-quiet",
			"-schedule", "cosine", "-resample", "1"}
		if name == "poisson-nd" {
			args = append(args, "-dim", "3")
		}
		if name != "poisson-paper" && name != "helmholtz" {
			args = append(args, "-adaptive", "1")
		}
		code, out, stderr := cliRun(args...)
		require.Equal(t, 0, code, "%s: %s", name, stderr)
		require.Contains(t, out, name)
	}
	require.Contains(t, out, "preset accurate")
	require.Contains(t, out, "-hard: u = −sin πx + t·(1−x²)·N(x,t)")
	require.Contains(t, out, "float64, hard constraint, RAD between L-BFGS rounds")
	// burgers -hard drops the default weight of the initial-condition term it imposes
	// exactly; a weight the user names for it is an error.
	hard := []string{"train", "-problem", "burgers", "-hard", "-widths", "4,4", "-adam", "2", "-lbfgs", "1", "-quiet"}
	code, _, stderr = cliRun(hard...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = cliRun(append(hard, "-weights", "ic=3")...)
	require.NotEqual(t, 0, code)
	require.Contains(t, stderr, `unknown term "ic"`)
	// -points sets burgers' interior point count (the hard variant's PDE term holds
	// the 80 boundary and 160 initial points too).
	require.Contains(t, out, "-points: 8000 interior collocation points by default (2540 without a preset's count)")
	dir := t.TempDir()
	code, _, stderr = cliRun(append(hard, "-points", "300", "-out", dir)...)
	require.Equal(t, 0, code, stderr)
	res, err := os.ReadFile(filepath.Join(dir, "result.json"))
	require.NoError(t, err)
	require.Contains(t, string(res), `"pde": 540`)
}

package bench

import (
	"testing"

	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/stretchr/testify/require"
)

func TestRunPreset(t *testing.T) {
	p, err := Find("burgers-20x3")
	require.NoError(t, err)
	p.Points = 500
	res, err := Run(engine.MustDefault(), p, Options{Steps: 3, Warmup: 1})
	require.NoError(t, err)
	require.Equal(t, 500+80+160, res.Points) // PDE points replaced; bc and ic kept
	require.Greater(t, res.MsMedian, 0.0)
	require.LessOrEqual(t, res.MsP10, res.MsMedian)
	require.LessOrEqual(t, res.MsMedian, res.MsP90)
	require.Greater(t, res.PeakRSSMB, 1.0)
	require.Equal(t, "adam step", res.Measure)

	ev, err := Run(engine.MustDefault(), p, Options{Steps: 4, Warmup: 1, Eval: true})
	require.NoError(t, err)
	require.Equal(t, "loss+grad evaluation", ev.Measure)
	require.Equal(t, 4, ev.Steps)
	require.Greater(t, ev.MsMedian, 0.0)
	require.Greater(t, ev.CompileS, 0.0)
	_, err = Find("nope")
	require.ErrorContains(t, err, `"nope"`)
	_, err = Run(engine.MustDefault(), p, Options{Steps: 0})
	require.Error(t, err)
}

// BenchmarkBurgers20x3 times one Adam step of the Burgers 2→[20]×3→1 PINN (2780 points);
// use with -cpuprofile for profiles.
func BenchmarkBurgers20x3(b *testing.B) { benchPreset(b, "burgers-20x3") }

// BenchmarkPoissonPaperDense times one full-batch Adam step of the paper's Poisson
// problem (2→[50,70]→1, 32 000 points); use with -cpuprofile for profiles.
func BenchmarkPoissonPaperDense(b *testing.B) { benchPreset(b, "poisson-paper-dense") }

func benchPreset(b *testing.B, name string) {
	p, err := Find(name)
	if err != nil {
		b.Fatal(err)
	}
	res, err := Run(engine.MustDefault(), p, Options{Steps: b.N, Warmup: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.MsMedian, "ms/step-median")
	b.ReportMetric(res.CPUMsPerStep, "cpu-ms/step")
}

func TestScaling(t *testing.T) {
	var seen []ScalingCell
	cells, err := Scaling(engine.MustDefault(), ScalingOptions{Points: []int{400, 200}, Widths: []int{8}, TargetS: 0.05,
		MinSteps: 2, MaxSteps: 5, MaxStepS: 1e-6, Progress: func(c ScalingCell) { seen = append(seen, c) }})
	require.NoError(t, err)
	require.Len(t, cells, 2)
	require.Equal(t, cells, seen)
	// Ascending N: the first cell is measured, the second is extrapolated (and skipped)
	// because MaxStepS is tiny.
	require.Equal(t, 200, cells[0].Points)
	require.NotNil(t, cells[0].Result)
	require.Equal(t, 200+240, cells[0].Result.Points)
	require.GreaterOrEqual(t, cells[0].Result.Steps, 2)
	require.LessOrEqual(t, cells[0].Result.Steps, 5)
	require.Nil(t, cells[1].Result)
	require.InDelta(t, 2*cells[0].Result.MsMedian, cells[1].EstimatedMs, 1e-9)
	_, err = Scaling(engine.MustDefault(), ScalingOptions{Points: []int{0}, Widths: []int{8}})
	require.ErrorContains(t, err, "point count 0")
}

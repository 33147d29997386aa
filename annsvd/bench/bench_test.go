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

package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// LatencyRow is one cell of the inference-latency table.
type LatencyRow struct {
	Network string  `json:"network"`
	Mode    string  `json:"mode"`
	Params  int     `json:"params"`
	MAdds   int     `json:"madds_per_point"`
	Batch   int     `json:"batch"`
	Repeats int     `json:"repeats"`
	MedianS float64 `json:"median_s"`
	// PointsPerS is Batch / MedianS.
	PointsPerS float64 `json:"points_per_s"`
}

// latencyNet is a network of the latency table with the SVD specs it is timed in.
type latencyNet struct {
	name   string
	widths []int
	specs  []annsvd.LayerSpec
}

// Latency times Run.Predict (u with the hard constraint; the graph compiled by a
// warm-up call per batch size) on the paper's Poisson problem for each network, mode
// and batch size, repeating each cell until about targetS seconds (at least 3 times,
// once for a cell whose single call takes longer), and prints the medians on stdout. The SVD
// modes factorise the first hidden-to-hidden map (annsvd.DefaultSVD), as in the paper.
func Latency(b backends.Backend, stdout io.Writer, batches []int, targetS float64, dt dtypes.DType) ([]LatencyRow, error) {
	p, err := problems.New("poisson-paper")
	if err != nil {
		return nil, err
	}
	nets := []latencyNet{
		{"paper 2→[50,70]→1", []int{50, 70}, []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Thin}, {Mode: annsvd.Compact, Rank: 3}, {Mode: annsvd.Truncated, Threshold: 0.5}}},
		{"wide 2→[256]×3→1", []int{256, 256, 256}, []annsvd.LayerSpec{{Mode: annsvd.Dense}, {Mode: annsvd.Thin}, {Mode: annsvd.Compact, Rank: 32}, {Mode: annsvd.Truncated, Threshold: 0.5, Relative: true}}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	maxBatch := slices.Max(batches)
	all := make([][]float64, maxBatch)
	for i := range all {
		all[i] = []float64{rng.Float64(), rng.Float64()}
	}
	var rows []LatencyRow
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "network\tmode\tparams\tmult-adds/point\tbatch\trepeats\tmedian latency\tpoints/s")
	for _, n := range nets {
		for _, spec := range n.specs {
			net := annsvd.Config{Widths: n.widths, Activation: annsvd.ActTanh, SVD: annsvd.DefaultSVD(spec)}
			r, err := solve.NewRun(b, p, net, solve.Config{Seed: 1, DType: dt, Workers: 1})
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", n.name, spec, err)
			}
			for _, batch := range batches {
				pts := all[:batch]
				if _, err := r.Predict(pts); err != nil { // compiles for this shape
					return nil, err
				}
				var times []float64
				for start := time.Now(); len(times) < 3 || time.Since(start).Seconds() < targetS; {
					t0 := time.Now()
					if _, err := r.Predict(pts); err != nil {
						return nil, err
					}
					times = append(times, time.Since(t0).Seconds())
					if len(times) == 1 && times[0] > targetS {
						break
					}
				}
				slices.Sort(times)
				med := times[len(times)/2]
				row := LatencyRow{Network: n.name, Mode: spec.String(), Params: r.Net.Params(), MAdds: r.Net.MAdds(), Batch: batch,
					Repeats: len(times), MedianS: med, PointsPerS: float64(batch) / med}
				rows = append(rows, row)
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%.3g\n", row.Network, row.Mode, row.Params, row.MAdds, row.Batch, row.Repeats,
					time.Duration(med*float64(time.Second)).Round(time.Microsecond), row.PointsPerS)
			}
			r.Invalidate()
		}
	}
	return rows, tw.Flush()
}

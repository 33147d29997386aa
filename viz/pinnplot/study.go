package pinnplot

import (
	"fmt"
	"math"
	"strconv"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/viz"
	"github.com/gomlx/gomlx/backends"
)

// StudyRun is one trained cell of a rank sweep.
type StudyRun struct {
	// Spec is the parameterisation of the SVD layer (Dense: the baseline).
	Spec annsvd.LayerSpec
	// Seed of sampling and initialisation.
	Seed uint64
	// Rank is the kept rank of the SVD layer (0 for dense); Params the trainable count.
	Rank, Params int
	// RelL2 is the relative L² error on the reference set; MsPerStep the median Adam
	// step time.
	RelL2, MsPerStep float64
}

// Label names the variant of a run as drawn in the charts: "dense", "thin",
// "top-k" or "threshold" (compact and truncated in the project's naming).
func (r StudyRun) Label() string {
	switch r.Spec.Mode {
	case annsvd.Compact:
		return "top-k"
	case annsvd.Truncated:
		return "threshold"
	}
	return r.Spec.Mode.String()
}

// Sweep trains p once per spec and seed (seeds cfg.Seed, cfg.Seed+1, …) with
// solve.Train and the paper's SVD placement; noBias is the SVD layer's bias setting.
// It is the small stand-in for package study used by the notebooks and "annsvd
// figures"; log, when non-nil, is called with a one-line summary per run.
func Sweep(b backends.Backend, p *annsvd.Problem, net annsvd.Config, cfg solve.Config, noBias bool,
	specs []annsvd.LayerSpec, seeds int, log func(string)) ([]StudyRun, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("pinnplot: Sweep: seeds %d out of range: need ≥ 1", seeds)
	}
	var runs []StudyRun
	for _, spec := range specs {
		for s := range seeds {
			c := cfg
			c.Seed = cfg.Seed + uint64(s)
			n := WithSVD(net, spec, noBias)
			n.Seed = c.Seed
			res, _, err := solve.Train(b, p, n, c)
			if err != nil {
				return runs, fmt.Errorf("pinnplot: Sweep %s seed %d: %w", spec, c.Seed, err)
			}
			r := StudyRun{Spec: spec, Seed: c.Seed, Params: res.Network.Params, RelL2: res.Metrics.RelL2,
				MsPerStep: res.Timing.AdamMsPerStep}
			for _, l := range res.Network.Layers {
				if l.IsSVD() {
					r.Rank = l.Rank
				}
			}
			if log != nil {
				log(fmt.Sprintf("%-16s seed %d  rank %2d  params %5d  rel L² %.3e  %.1f ms/step",
					spec, c.Seed, r.Rank, r.Params, r.RelL2, r.MsPerStep))
			}
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// StudyPoints aggregates runs over seeds into viz points (one per variant and
// rank/threshold, in order of first appearance) and returns the dense baseline's mean
// error and step time (NaN without a dense run). The rank of a threshold point is the
// rounded mean kept rank.
func StudyPoints(runs []StudyRun) (points []viz.StudyPoint, denseErr, denseMs float64) {
	points, _, denseErr, denseMs = aggregate(runs)
	return points, denseErr, denseMs
}

// aggregate implements StudyPoints and also returns each point's spec string.
func aggregate(runs []StudyRun) (points []viz.StudyPoint, specs []string, denseErr, denseMs float64) {
	type acc struct {
		label      string
		ranks, prm []float64
		errs, ms   []float64
	}
	var keys []string
	groups := map[string]*acc{}
	for _, r := range runs {
		key := r.Spec.String()
		g := groups[key]
		if g == nil {
			g = &acc{label: r.Label()}
			groups[key] = g
			keys = append(keys, key)
		}
		g.ranks = append(g.ranks, float64(r.Rank))
		g.prm = append(g.prm, float64(r.Params))
		g.errs = append(g.errs, r.RelL2)
		g.ms = append(g.ms, r.MsPerStep)
	}
	denseErr, denseMs = math.NaN(), math.NaN()
	for _, k := range keys {
		g := groups[k]
		em, es := meanStd(g.errs)
		mm, _ := meanStd(g.ms)
		if g.label == "dense" {
			denseErr, denseMs = em, mm
			continue
		}
		rk, _ := meanStd(g.ranks)
		pm, _ := meanStd(g.prm)
		points = append(points, viz.StudyPoint{Mode: g.label, Rank: max(1, int(math.Round(rk))), Params: int(math.Round(pm)),
			ErrMean: em, ErrStd: es, MsPerStep: mm, Seeds: len(g.errs)})
		specs = append(specs, k)
	}
	return points, specs, denseErr, denseMs
}

func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}

// RankStudy draws the rank-study charts of runs: error against rank, error against
// parameter count and Adam step time against rank, each with the dense baseline.
func RankStudy(runs []StudyRun, opts ...viz.Option) (errRank, errParams, timeRank *viz.Figure, err error) {
	pts, de, dm := StudyPoints(runs)
	if len(pts) == 0 {
		return nil, nil, nil, fmt.Errorf("pinnplot: RankStudy: no SVD runs")
	}
	base := func(v float64) float64 {
		if math.IsNaN(v) {
			return 0
		}
		return v
	}
	if errRank, err = viz.ErrorVsRank(pts, base(de), opts...); err != nil {
		return nil, nil, nil, err
	}
	if errParams, err = viz.ErrorVsParams(pts, base(de), opts...); err != nil {
		return nil, nil, nil, err
	}
	if timeRank, err = viz.TimeVsRank(pts, base(dm), opts...); err != nil {
		return nil, nil, nil, err
	}
	return errRank, errParams, timeRank, nil
}

// StudyTable formats the aggregated sweep as a Markdown table (variant, rank,
// parameters, mean ± std relative L² error, ms per Adam step).
func StudyTable(runs []StudyRun) string {
	pts, specs, de, dm := aggregate(runs)
	s := "| variant | rank | params | rel. L² (mean ± std) | seeds | ms/step |\n|---|---|---|---|---|---|\n"
	if !math.IsNaN(de) {
		prm := 0
		for _, r := range runs {
			if r.Spec.Mode == annsvd.Dense {
				prm = r.Params
			}
		}
		s += fmt.Sprintf("| dense | full | %d | %.3e | | %.1f |\n", prm, de, dm)
	}
	for i, p := range pts {
		s += fmt.Sprintf("| %s | %s | %d | %.3e ± %.1e | %d | %.1f |\n", specs[i], strconv.Itoa(p.Rank), p.Params, p.ErrMean, p.ErrStd, p.Seeds, p.MsPerStep)
	}
	return s
}

package pinnplot

import (
	"fmt"
	"math"

	"github.com/annsvd/annsvd/annsvd/study"
	"github.com/annsvd/annsvd/viz"
)

// StudyLabel names the variant of a study row as drawn in the charts: "dense",
// "thin", "top-k" or "threshold" (compact and truncated in the project's naming).
func StudyLabel(mode string) string {
	switch mode {
	case "compact":
		return "top-k"
	case "truncated":
		return "threshold"
	}
	return mode
}

// StudyPoints turns the rows of a study summary (study.Run) into chart points, in row
// order, and returns the dense baseline's mean error and step time (NaN without a
// dense cell). The rank of a threshold point is its rounded mean kept rank.
func StudyPoints(s *study.Summary) (points []viz.StudyPoint, denseErr, denseMs float64) {
	for _, r := range s.Rows {
		points = append(points, viz.StudyPoint{Mode: StudyLabel(r.Mode), Rank: max(1, int(math.Round(r.KeptRank))), Params: int(math.Round(r.Params)),
			ErrMean: r.ErrMean, ErrStd: r.ErrStd, MsPerStep: r.MsPerStep, Seeds: r.Seeds})
	}
	denseErr, denseMs = math.NaN(), math.NaN()
	if s.Dense.Seeds > 0 {
		denseErr, denseMs = s.Dense.ErrMean, s.Dense.MsPerStep
	}
	return points, denseErr, denseMs
}

// RankStudy draws the rank-study charts of a study summary: error against rank, error
// against parameter count and Adam step time against rank, each with the dense baseline.
func RankStudy(s *study.Summary, opts ...viz.Option) (errRank, errParams, timeRank *viz.Figure, err error) {
	pts, de, dm := StudyPoints(s)
	if len(pts) == 0 {
		return nil, nil, nil, fmt.Errorf("pinnplot: RankStudy: no SVD cells")
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

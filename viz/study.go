package viz

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// StudyPoint is one aggregated cell of a rank study: a model variant
// ("Mode", e.g. "svd", "svd+prune", "lowrank") trained at a given rank,
// with the error statistics over Seeds random seeds.
type StudyPoint struct {
	// Mode names the variant; one line is drawn per mode.
	Mode string
	// Rank is the rank r of the factorised layers.
	Rank int
	// Params is the number of trainable parameters.
	Params int
	// ErrMean and ErrStd are the mean and standard deviation of the test
	// error over seeds. NaN or non-positive means are skipped (not
	// representable on a log axis); ErrStd may be 0 or NaN (no bar).
	ErrMean, ErrStd float64
	// MsPerStep is the mean wall time per optimiser step in milliseconds.
	MsPerStep float64
	// Seeds is the number of seeds aggregated.
	Seeds int
}

// studyKind selects the quantity plotted by studyFigure.
type studyKind int

const (
	errVsRank studyKind = iota
	errVsParams
	timeVsRank
)

// modeGroup holds the points of one mode, in order of first appearance.
type modeGroup struct {
	name string
	pts  []StudyPoint
}

// groupModes groups points by Mode, keeping first-appearance order.
func groupModes(points []StudyPoint) []modeGroup {
	var gs []modeGroup
	idx := map[string]int{}
	for _, p := range points {
		i, ok := idx[p.Mode]
		if !ok {
			i = len(gs)
			idx[p.Mode] = i
			gs = append(gs, modeGroup{name: p.Mode})
		}
		gs[i].pts = append(gs[i].pts, p)
	}
	return gs
}

// errPoints implements plotter.XYer and plotter.YErrorer with asymmetric
// errors (so that bars can be clipped on log axes).
type errPoints struct {
	xy       plotter.XYs
	low, top []float64
}

// Len implements plotter.XYer.
func (e errPoints) Len() int { return len(e.xy) }

// XY implements plotter.XYer.
func (e errPoints) XY(i int) (float64, float64) { return e.xy[i].X, e.xy[i].Y }

// YError implements plotter.YErrorer.
func (e errPoints) YError(i int) (float64, float64) { return e.low[i], e.top[i] }

// ErrorVsRank plots the mean test error (log y) against rank, one line per
// mode with ±1 std error bars over seeds, and a dashed horizontal line at
// denseErr (the full-rank dense baseline; omitted if denseErr is 0 or
// NaN). Options: WithTitle, WithSize (default 7.5×4.5 in), WithXLabel,
// WithYLabel.
//
// It returns an error if points is empty, a Rank is not positive, an
// ErrStd is negative, denseErr is negative or infinite, or no point has a
// positive finite ErrMean.
func ErrorVsRank(points []StudyPoint, denseErr float64, opts ...Option) (*Figure, error) {
	return studyFigure("ErrorVsRank", points, denseErr, errVsRank, opts)
}

// ErrorVsParams plots the mean test error (log y) against the number of
// trainable parameters (log x), one line per mode with ±1 std error bars
// and a dashed line at the dense baseline denseErr (omitted if 0 or NaN).
// Options and errors as for [ErrorVsRank], with Params in place of Rank.
func ErrorVsParams(points []StudyPoint, denseErr float64, opts ...Option) (*Figure, error) {
	return studyFigure("ErrorVsParams", points, denseErr, errVsParams, opts)
}

// TimeVsRank plots the wall time per optimiser step (ms, linear y from 0)
// against rank, one line per mode, with a dashed line at the dense
// baseline denseMsPerStep (omitted if 0 or NaN). Points whose MsPerStep
// is NaN are skipped. Options and errors as for [ErrorVsRank], with
// MsPerStep in place of ErrMean.
func TimeVsRank(points []StudyPoint, denseMsPerStep float64, opts ...Option) (*Figure, error) {
	return studyFigure("TimeVsRank", points, denseMsPerStep, timeVsRank, opts)
}

// studyFigure implements the three rank-study plots.
func studyFigure(fn string, points []StudyPoint, dense float64, kind studyKind, opts []Option) (*Figure, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if err := checkStudyPoints(fn, points, dense, kind); err != nil {
		return nil, err
	}
	ax := newStudyAxes(kind)
	p := newPlot(orDefault(o.title, ax.title), orDefault(o.xLabel, ax.xLabel), orDefault(o.yLabel, ax.yLabel))
	logY := kind != timeVsRank
	if logY {
		setLogY(p)
	}
	// x values present, to decide the x scale and ticks.
	var xs []float64
	for _, pt := range points {
		if _, ok := ax.y(pt); ok {
			xs = append(xs, ax.x(pt))
		}
	}
	if len(xs) == 0 {
		what := "positive finite ErrMean"
		if kind == timeVsRank {
			what = "finite MsPerStep"
		}
		return nil, fmt.Errorf("viz: %s: no point has a %s", fn, what)
	}
	sort.Float64s(xs)
	xmin, xmax := xs[0], xs[len(xs)-1]
	logX := kind == errVsParams || (xmax/xmin >= 8)
	if logX {
		setLogX(p)
	}
	if kind != errVsParams {
		p.X.Tick.Marker = distinctTicks(xs, logX)
	}
	p.Add(grid())
	groups := groupModes(points)
	lb := newLegendBox()
	yr := yRange{lo: math.Inf(1), hi: math.Inf(-1)}
	for g, grp := range groups {
		if err := addStudySeries(p, lb, &yr, ax, kind, g, len(groups), grp, logX, logY, xmax-xmin); err != nil {
			return nil, fmt.Errorf("viz: %s: %w", fn, err)
		}
	}
	if dense > 0 {
		hl := &hLine{Y: dense, style: dashed(refColor, 1.4)}
		p.Add(hl)
		lb.add("dense ("+shortSci(dense)+")", hl)
		yr.lo, yr.hi = math.Min(yr.lo, dense), math.Max(yr.hi, dense)
	}
	setStudyRanges(p, logX, logY, xmin, xmax, yr)
	w, h := o.size(7.5*vg.Inch, 4.5*vg.Inch)
	return singlePlotFigure(p, nil, w, h).withSide(lb), nil
}

// checkStudyPoints validates the points of a rank-study plot of the given kind.
func checkStudyPoints(fn string, points []StudyPoint, dense float64, kind studyKind) error {
	if len(points) == 0 {
		return fmt.Errorf("viz: %s: points is empty", fn)
	}
	if dense < 0 || math.IsInf(dense, 0) {
		return fmt.Errorf("viz: %s: dense baseline %g must be finite and ≥ 0 (0 or NaN: none)", fn, dense)
	}
	for i, pt := range points {
		switch {
		case kind != errVsParams && pt.Rank <= 0:
			return fmt.Errorf("viz: %s: points[%d] (mode %q): Rank=%d must be positive", fn, i, pt.Mode, pt.Rank)
		case kind == errVsParams && pt.Params <= 0:
			return fmt.Errorf("viz: %s: points[%d] (mode %q): Params=%d must be positive", fn, i, pt.Mode, pt.Params)
		case kind != timeVsRank && pt.ErrStd < 0:
			return fmt.Errorf("viz: %s: points[%d] (mode %q): ErrStd=%g is negative", fn, i, pt.Mode, pt.ErrStd)
		case kind == timeVsRank && pt.MsPerStep < 0:
			return fmt.Errorf("viz: %s: points[%d] (mode %q): MsPerStep=%g is negative", fn, i, pt.Mode, pt.MsPerStep)
		}
	}
	return nil
}

// studyAxes are the coordinates and labels of a rank-study plot: x and y of a point (y
// reports whether the point can be drawn) and the default title and axis labels.
type studyAxes struct {
	x                     func(StudyPoint) float64
	y                     func(StudyPoint) (float64, bool)
	xLabel, yLabel, title string
}

func newStudyAxes(kind studyKind) studyAxes {
	ax := studyAxes{x: func(p StudyPoint) float64 { return float64(p.Rank) },
		y: func(p StudyPoint) (float64, bool) {
			return p.ErrMean, isFinite(p.ErrMean) && p.ErrMean > 0
		},
		xLabel: "rank r", yLabel: "test error (mean ± std)", title: "error vs rank"}
	switch kind {
	case errVsParams:
		ax.x = func(p StudyPoint) float64 { return float64(p.Params) }
		ax.xLabel, ax.title = "trainable parameters", "error vs parameters"
	case timeVsRank:
		ax.y = func(p StudyPoint) (float64, bool) { return p.MsPerStep, isFinite(p.MsPerStep) }
		ax.yLabel, ax.title = "time per step (ms)", "time per step vs rank"
	}
	return ax
}

// yRange is the y extent of the drawn series (with their error bars).
type yRange struct{ lo, hi float64 }

// addStudySeries draws group g of n (its line, markers and, for errors, ±1 std bars),
// adds it to the legend and widens yr; span is the x extent (for dodging).
func addStudySeries(p *plot.Plot, lb *legendBox, yr *yRange, ax studyAxes, kind studyKind, g, n int, grp modeGroup, logX, logY bool, span float64) error {
	sort.SliceStable(grp.pts, func(a, b int) bool { return ax.x(grp.pts[a]) < ax.x(grp.pts[b]) })
	var e errPoints
	seeds := -1
	for _, pt := range grp.pts {
		y, ok := ax.y(pt)
		if !ok {
			continue
		}
		e.xy = append(e.xy, plotter.XY{X: dodge(ax.x(pt), g, n, logX, span), Y: y})
		sd := pt.ErrStd
		if kind == timeVsRank || !isFinite(sd) {
			sd = 0
		}
		lowEnd := y - sd
		if logY && lowEnd <= 0 {
			lowEnd = y * 1e-3 // clipped by the axis below
		}
		e.low = append(e.low, y-lowEnd)
		e.top = append(e.top, sd)
		yr.lo = math.Min(yr.lo, math.Max(lowEnd, y/4))
		if !logY {
			yr.lo = math.Min(yr.lo, lowEnd)
		}
		yr.hi = math.Max(yr.hi, y+sd)
		switch {
		case seeds == -1:
			seeds = pt.Seeds
		case seeds != pt.Seeds:
			seeds = 0
		}
	}
	if len(e.xy) == 0 {
		return nil
	}
	name := orDefault(grp.name, "(unnamed)")
	if seeds > 1 && kind != timeVsRank {
		name = fmt.Sprintf("%s (%d seeds)", name, seeds)
	}
	col := lineColor(g)
	l, sc, err := plotter.NewLinePoints(e.xy)
	if err != nil {
		return fmt.Errorf("mode %q: %w", grp.name, err)
	}
	l.Color, l.Width = col, vg.Points(1.6)
	sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3), Shape: markerShapes[g%len(markerShapes)]}
	p.Add(l)
	if kind != timeVsRank {
		eb, err := plotter.NewYErrorBars(e)
		if err != nil {
			return fmt.Errorf("mode %q: %w", grp.name, err)
		}
		eb.Color, eb.Width, eb.CapWidth = col, vg.Points(1.2), vg.Points(6)
		p.Add(noGlyphs{eb})
	}
	p.Add(sc)
	lb.add(name, l, sc)
	return nil
}

// setStudyRanges sets the axis ranges of a rank-study plot around the data.
func setStudyRanges(p *plot.Plot, logX, logY bool, xmin, xmax float64, yr yRange) {
	if logY {
		p.Y.Min, p.Y.Max = logRange(yr.lo, yr.hi, 0.05, 0)
	} else {
		p.Y.Min = 0
		p.Y.Max = yr.hi * 1.08
		if !(p.Y.Max > 0) {
			p.Y.Max = 1
		}
	}
	if logX {
		p.X.Min, p.X.Max = logRange(xmin, xmax, 0.06, 0)
	} else {
		pad := 0.05 * (xmax - xmin)
		if pad == 0 {
			pad = 0.5
		}
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
}

// noGlyphs hides the GlyphBoxes of a plotter (error bars clipped on a log
// axis would otherwise make gonum/plot shrink the data area to fit them).
type noGlyphs struct{ inner *plotter.YErrorBars }

// Plot implements plot.Plotter.
func (n noGlyphs) Plot(c draw.Canvas, p *plot.Plot) { n.inner.Plot(c, p) }

// DataRange implements plot.DataRanger.
func (n noGlyphs) DataRange() (xmin, xmax, ymin, ymax float64) { return n.inner.DataRange() }

// dodge shifts x slightly per mode so that error bars of different modes
// at the same x do not overlap (1.5 % of a log decade-ish step, or 0.8 %
// of the linear span).
func dodge(x float64, g, n int, logX bool, span float64) float64 {
	if n <= 1 {
		return x
	}
	off := float64(g) - float64(n-1)/2
	if logX {
		return x * math.Pow(10, 0.008*off)
	}
	if span == 0 {
		span = 1
	}
	return x + 0.008*span*off
}

// distinctTicks labels each distinct value of sorted xs (as integers),
// dropping labels closer than 7 % of the axis span (in log space for a log
// axis) to the previous label — a conservative bound for ~4-character
// labels. With more than 15 distinct values it falls back to the default
// log or linear ticks.
func distinctTicks(xs []float64, logX bool) plot.Ticker {
	pos := func(x float64) float64 { return x }
	if logX {
		pos = math.Log10
	}
	var ts plot.ConstantTicks
	lastLabelled := math.Inf(-1)
	span := pos(xs[len(xs)-1]) - pos(xs[0])
	for i, x := range xs {
		if i > 0 && x == xs[i-1] {
			continue
		}
		t := plot.Tick{Value: x}
		if px := pos(x); span == 0 || (px-lastLabelled)/span >= 0.07 {
			t.Label = fmt.Sprint(int(math.Round(x)))
			lastLabelled = px
		}
		ts = append(ts, t)
	}
	if len(ts) > 15 {
		if logX {
			return logTicks{}
		}
		return linTicks{N: 4}
	}
	return ts
}

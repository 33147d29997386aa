package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LossSeries is the history of one loss term, e.g. "PDE residual",
// "boundary", "initial" or "total": Values[k] is the loss at step Steps[k].
type LossSeries struct {
	// Term names the loss term (legend entry).
	Term string
	// Steps are the optimiser steps at which the loss was recorded.
	Steps []int
	// Values are the recorded losses; non-positive and non-finite values
	// cannot be shown on the log axis and are skipped.
	Values []float64
}

// Phase marks the start of a training phase, e.g. {"Adam", 0} or
// {"L-BFGS", 2000}; it is drawn as a labelled vertical dashed line.
type Phase struct {
	// Name labels the phase.
	Name string
	// Start is the first step of the phase.
	Start int
}

// Spectrum holds the singular values σ₁ ≥ σ₂ ≥ … of one factorised layer
// W = U·diag(σ)·Vᵀ recorded at a training step.
type Spectrum struct {
	// Label is the legend entry; if empty, "step <Step>" is used.
	Label string
	// Step is the training step at which Sigma was recorded.
	Step int
	// Sigma are the singular values (must be ≥ 0; zeros are not shown on
	// the log axis).
	Sigma []float64
}

// maxLinePoints bounds the number of vertices per drawn line; longer
// series are decimated keeping each bucket's minimum and maximum, which
// preserves the visual envelope of noisy loss curves.
const maxLinePoints = 2000

// decimate reduces pts to at most about maxPts points by min/max bucketing.
func decimate(pts plotter.XYs, maxPts int) plotter.XYs {
	if len(pts) <= maxPts {
		return pts
	}
	buckets := maxPts / 2
	out := make(plotter.XYs, 0, 2*buckets+2)
	for b := range buckets {
		lo := b * len(pts) / buckets
		hi := (b + 1) * len(pts) / buckets
		if lo >= hi {
			continue
		}
		iMin, iMax := lo, lo
		for i := lo; i < hi; i++ {
			if pts[i].Y < pts[iMin].Y {
				iMin = i
			}
			if pts[i].Y > pts[iMax].Y {
				iMax = i
			}
		}
		a, c := min(iMin, iMax), max(iMin, iMax)
		out = append(out, pts[a])
		if c != a {
			out = append(out, pts[c])
		}
	}
	if last := pts[len(pts)-1]; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}

// legendBox is a legend drawn to the right of a plot's data area, top
// aligned with it, so it never covers data.
type legendBox struct {
	leg plot.Legend
}

// legendGap separates the data area from an outside legend.
var legendGap = vg.Points(12)

// newLegendBox returns an empty outside legend.
func newLegendBox() *legendBox {
	l := plot.NewLegend()
	l.TextStyle = textStyle(legendSize)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = vg.Points(24)
	l.Padding = vg.Points(3)
	return &legendBox{leg: l}
}

// add appends an entry.
func (lb *legendBox) add(name string, thumbs ...plot.Thumbnailer) { lb.leg.Add(name, thumbs...) }

// width implements sideElement.
func (lb *legendBox) width() vg.Length {
	var c draw.Canvas
	r := lb.leg.Rectangle(c)
	return legendGap + r.Size().X + vg.Points(6)
}

// draw implements sideElement.
func (lb *legendBox) draw(c draw.Canvas, data vg.Rectangle) {
	c.Min.X += legendGap
	c.Max.Y = data.Max.Y
	lb.leg.Draw(c)
}

// vLines draws labelled vertical dashed lines at phase starts.
type vLines struct {
	phases []Phase
	style  draw.LineStyle
	text   draw.TextStyle
}

// Plot implements plot.Plotter.
func (v *vLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, ph := range v.phases {
		x := trX(float64(ph.Start))
		if x < c.Min.X-0.01 || x > c.Max.X+0.01 {
			continue
		}
		c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
		if ph.Name == "" {
			continue
		}
		sty := v.text
		sty.YAlign = draw.YTop
		pt := vg.Point{X: x + vg.Points(4), Y: c.Max.Y - vg.Points(4)}
		sty.XAlign = draw.XLeft
		if pt.X+sty.Width(ph.Name) > c.Max.X {
			sty.XAlign = draw.XRight
			pt.X = x - vg.Points(4)
		}
		c.FillText(sty, pt, ph.Name)
	}
}

// DataRange implements plot.DataRanger (x only).
func (v *vLines) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, ph := range v.phases {
		xmin = math.Min(xmin, float64(ph.Start))
		xmax = math.Max(xmax, float64(ph.Start))
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

// hLine draws a horizontal line across the data area at y = Y.
type hLine struct {
	Y     float64
	style draw.LineStyle
}

// Plot implements plot.Plotter.
func (h *hLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.Y)
	if y < c.Min.Y-0.01 || y > c.Max.Y+0.01 {
		return
	}
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// DataRange implements plot.DataRanger (y only).
func (h *hLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

// Thumbnail implements plot.Thumbnailer.
func (h *hLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// dashed returns a dashed reference line style.
func dashed(col color.Color, width float64) draw.LineStyle {
	return draw.LineStyle{Color: col, Width: vg.Points(width), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
}

// logRange returns a padded positive range for a log axis covering
// [lo, hi], with frac of the log span added on each side (top gets
// extraTop more, to leave room for labels).
func logRange(lo, hi, frac, extraTop float64) (float64, float64) {
	if !(hi > lo) {
		lo, hi = lo/2, hi*2
	}
	span := math.Log10(hi) - math.Log10(lo)
	return lo * math.Pow(10, -frac*span), hi * math.Pow(10, (frac+extraTop)*span)
}

// LossCurves plots the loss histories in series on a log-scaled y axis
// against the optimiser step, one colour per term, with the legend
// outside the axes. Each phase is marked by a labelled vertical dashed
// line; room is left above the data for the labels. Options: WithTitle
// (overrides title), WithSize (default 7.5×4.5 in), WithXLabel (default
// "step"), WithYLabel (default "loss").
//
// It returns an error if series is empty, a series has
// len(Steps) ≠ len(Values) or no positive finite value.
func LossCurves(series []LossSeries, phases []Phase, title string, opts ...Option) (*Figure, error) {
	curves := make([]Curve, len(series))
	for k, s := range series {
		curves[k] = Curve{Label: orDefault(s.Term, fmt.Sprintf("series %d", k)), Y: s.Values}
		if len(s.Steps) != len(s.Values) {
			return nil, fmt.Errorf("viz: LossCurves: series %q: len(Steps)=%d but len(Values)=%d", curves[k].Label, len(s.Steps), len(s.Values))
		}
		for _, st := range s.Steps {
			curves[k].X = append(curves[k].X, float64(st))
		}
	}
	return logYLines("LossCurves", curves, phases, title, "step", "loss", opts)
}

// Curve is one line of Curves: Y[k] at X[k], e.g. an error against wall time.
type Curve struct {
	// Label is the legend entry.
	Label string
	// X and Y are the points; non-positive and non-finite Y cannot be shown on
	// the log axis and are skipped.
	X, Y []float64
}

// Curves plots curves on a log-scaled y axis, one colour per curve, with the legend
// outside the axes, e.g. the error of several optimisers against wall time. Options:
// WithTitle (overrides title), WithSize (default 7.5×4.5 in), WithXLabel, WithYLabel
// (override xLabel, yLabel).
//
// It returns an error if curves is empty, a curve has len(X) ≠ len(Y) or no positive
// finite Y.
func Curves(curves []Curve, title, xLabel, yLabel string, opts ...Option) (*Figure, error) {
	return logYLines("Curves", curves, nil, title, xLabel, yLabel, opts)
}

func logYLines(fn string, curves []Curve, phases []Phase, title, xLabel, yLabel string, opts []Option) (*Figure, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("viz: %s: series is empty", fn)
	}
	p := newPlot(orDefault(o.title, title), orDefault(o.xLabel, xLabel), orDefault(o.yLabel, yLabel))
	setLogY(p)
	p.Add(grid())
	lb := newLegendBox()
	lo, hi := math.Inf(1), math.Inf(-1)
	for k, c := range curves {
		name := orDefault(c.Label, fmt.Sprintf("series %d", k))
		if len(c.X) != len(c.Y) {
			return nil, fmt.Errorf("viz: %s: series %q: len(X)=%d but len(Y)=%d", fn, name, len(c.X), len(c.Y))
		}
		if len(c.Y) == 0 {
			return nil, fmt.Errorf("viz: %s: series %q is empty", fn, name)
		}
		pts := make(plotter.XYs, 0, len(c.Y))
		for i, v := range c.Y {
			if isFinite(v) && v > 0 && isFinite(c.X[i]) {
				pts = append(pts, plotter.XY{X: c.X[i], Y: v})
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if len(pts) == 0 {
			return nil, fmt.Errorf("viz: %s: series %q has no positive finite value", fn, name)
		}
		l, err := plotter.NewLine(decimate(pts, maxLinePoints))
		if err != nil {
			return nil, fmt.Errorf("viz: %s: series %q: %w", fn, name, err)
		}
		l.Color = lineColor(k)
		l.Width = vg.Points(1.6)
		p.Add(l)
		lb.add(name, l)
	}
	extra := 0.0
	if len(phases) > 0 {
		extra = 0.12
		p.Add(&vLines{phases: phases, style: dashed(refColor, 1), text: textStyle(tickSize)})
	}
	p.Y.Min, p.Y.Max = logRange(lo, hi, 0.03, extra)
	w, h := o.size(7.5*vg.Inch, 4.5*vg.Inch)
	return singlePlotFigure(p, nil, w, h).withSide(lb), nil
}

// withSide attaches side element s to the single panel of f.
func (f *Figure) withSide(s sideElement) *Figure {
	f.panels[0].side = s
	return f
}

// indexTicks labels the 1-based indices 1…n: every index if n ≤ 12, else
// 1 and the multiples of a nice step (giving about 5–8 labels), with
// unlabelled minor ticks at the other indices when n ≤ 60.
func indexTicks(n int) plot.ConstantTicks {
	step := 1
	if n > 12 {
		for _, s := range []int{2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000} {
			step = s
			if n/s <= 8 {
				break
			}
		}
		for n/step > 8 {
			step *= 10
		}
	}
	var ts plot.ConstantTicks
	for i := 1; i <= n; i++ {
		switch {
		case i == 1 || i%step == 0:
			ts = append(ts, plot.Tick{Value: float64(i), Label: strconv.Itoa(i)})
		case n <= 60:
			ts = append(ts, plot.Tick{Value: float64(i)})
		}
	}
	return ts
}

// maxLegendEntries bounds the legend of Spectra; with more spectra only
// evenly spaced ones (always including the first and last) are listed.
const maxLegendEntries = 12

// addSpectrumLine adds one spectrum's line in colour col to p (with markers when
// markers is set) and returns its legend thumbnails.
func addSpectrumLine(p *plot.Plot, pts plotter.XYs, col color.Color, markers bool) ([]plot.Thumbnailer, error) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = col
	l.Width = vg.Points(1.6)
	p.Add(l)
	thumbs := []plot.Thumbnailer{l}
	if markers {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		thumbs = append(thumbs, sc)
	}
	return thumbs, nil
}

// Spectra plots singular values σᵢ against index i (1-based) on a log y
// axis for one layer, one line per recorded step. Colours run through
// Viridis from early (dark) to late (yellow-green) in the given order, so
// the evolution reads as a gradient. WithThreshold(τ) adds a dashed red
// line at σ = τ. Options: WithTitle (default "singular values — <layer>"),
// WithSize (default 7.5×4.5 in), WithXLabel, WithYLabel.
//
// It returns an error if spectra is empty, a Sigma is empty, contains a
// negative value, or no spectrum has a positive finite value.
func Spectra(layer string, spectra []Spectrum, opts ...Option) (*Figure, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if len(spectra) == 0 {
		return nil, fmt.Errorf("viz: Spectra %q: spectra is empty", layer)
	}
	title := "singular values"
	if layer != "" {
		title += " — " + layer
	}
	p := newPlot(orDefault(o.title, title), orDefault(o.xLabel, "index i"), orDefault(o.yLabel, "σᵢ"))
	setLogY(p)
	p.Add(grid())
	lb := newLegendBox()
	lut := sampleColorMap(Viridis())
	lo, hi := math.Inf(1), math.Inf(-1)
	maxLen := 0
	legendEvery := 1
	if len(spectra) > maxLegendEntries {
		legendEvery = int(math.Ceil(float64(len(spectra)-1) / float64(maxLegendEntries-1)))
	}
	for k, s := range spectra {
		name := orDefault(s.Label, fmt.Sprintf("step %d", s.Step))
		if len(s.Sigma) == 0 {
			return nil, fmt.Errorf("viz: Spectra %q: spectrum %q has no singular values", layer, name)
		}
		pts := make(plotter.XYs, 0, len(s.Sigma))
		for i, v := range s.Sigma {
			if v < 0 {
				return nil, fmt.Errorf("viz: Spectra %q: spectrum %q: σ[%d]=%g is negative", layer, name, i, v)
			}
			if isFinite(v) && v > 0 {
				pts = append(pts, plotter.XY{X: float64(i + 1), Y: v})
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		maxLen = max(maxLen, len(s.Sigma))
		if len(pts) == 0 {
			continue
		}
		// Colour position: 0 … 0.85 of Viridis (skip the palest yellow).
		t := 0.0
		if len(spectra) > 1 {
			t = 0.85 * float64(k) / float64(len(spectra)-1)
		}
		thumbs, err := addSpectrumLine(p, pts, lookup(lut, 0, 1, t), len(s.Sigma) <= 40)
		if err != nil {
			return nil, fmt.Errorf("viz: Spectra %q: spectrum %q: %w", layer, name, err)
		}
		if k%legendEvery == 0 || k == len(spectra)-1 {
			lb.add(name, thumbs...)
		}
	}
	if math.IsInf(lo, 1) {
		return nil, fmt.Errorf("viz: Spectra %q: no spectrum has a positive finite singular value", layer)
	}
	if o.thresholdSet {
		hl := &hLine{Y: o.threshold, style: dashed(color.NRGBA{R: 0xC0, G: 0x10, B: 0x10, A: 0xFF}, 1.3)}
		p.Add(hl)
		lb.add("τ = "+strconv.FormatFloat(o.threshold, 'g', 3, 64), hl)
		lo, hi = math.Min(lo, o.threshold), math.Max(hi, o.threshold)
	}
	p.Y.Min, p.Y.Max = logRange(lo, hi, 0.04, 0)
	p.X.Min, p.X.Max = 0.5, float64(maxLen)+0.5
	p.X.Tick.Marker = indexTicks(maxLen)
	w, h := o.size(7.5*vg.Inch, 4.5*vg.Inch)
	return singlePlotFigure(p, nil, w, h).withSide(lb), nil
}

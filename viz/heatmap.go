package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Field2D is a scalar field sampled on a rectilinear grid:
// Z[i][j] = f(X[i], Y[j]). X is drawn horizontally and Y vertically; both
// must be strictly increasing and finite. NaN entries of Z are drawn
// transparent (background shows through).
type Field2D struct {
	// Name of the field, e.g. "u(x,t)"; used in titles and colour bars.
	Name string
	// XLabel and YLabel label the axes, e.g. "x" and "t".
	XLabel, YLabel string
	// X and Y are the grid coordinates.
	X, Y []float64
	// Z holds len(X) rows of len(Y) values.
	Z [][]float64
}

// label returns the field's name, or "field" if it has none.
func (f Field2D) label() string { return orDefault(f.Name, "field") }

// Validate checks grid sizes, monotone finite coordinates and that Z holds
// at least one finite value.
func (f Field2D) Validate() error {
	name := f.label()
	if len(f.X) == 0 || len(f.Y) == 0 {
		return fmt.Errorf("viz: Field2D %q: empty grid, len(X)=%d len(Y)=%d", name, len(f.X), len(f.Y))
	}
	if len(f.Z) != len(f.X) {
		return fmt.Errorf("viz: Field2D %q: len(Z)=%d but len(X)=%d", name, len(f.Z), len(f.X))
	}
	for i, row := range f.Z {
		if len(row) != len(f.Y) {
			return fmt.Errorf("viz: Field2D %q: len(Z[%d])=%d but len(Y)=%d", name, i, len(row), len(f.Y))
		}
	}
	for _, ax := range []struct {
		n string
		v []float64
	}{{"X", f.X}, {"Y", f.Y}} {
		for i, v := range ax.v {
			if !isFinite(v) {
				return fmt.Errorf("viz: Field2D %q: %s[%d]=%g is not finite", name, ax.n, i, v)
			}
			if i > 0 && !(v > ax.v[i-1]) {
				return fmt.Errorf("viz: Field2D %q: %s not strictly increasing at %s[%d]=%g ≤ %s[%d]=%g",
					name, ax.n, ax.n, i, v, ax.n, i-1, ax.v[i-1])
			}
		}
	}
	if _, _, ok := finiteRange(f.Z); !ok {
		return fmt.Errorf("viz: Field2D %q: Z has no finite value", name)
	}
	return nil
}

// finiteRange returns the min and max of the finite entries of z.
func finiteRange(z [][]float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, v := range row {
			if isFinite(v) {
				lo, hi, ok = math.Min(lo, v), math.Max(hi, v), true
			}
		}
	}
	return lo, hi, ok
}

// widenRange makes a degenerate range [v, v] non-empty.
func widenRange(lo, hi float64) (float64, float64) {
	if hi > lo {
		return lo, hi
	}
	d := math.Abs(lo) * 0.05
	if d == 0 {
		d = 0.5
	}
	return lo - d, hi + d
}

// cellEdges returns len(c)+1 cell boundaries around the centres c (midpoints
// inside, half-spacing extrapolated outside; ±0.5 for a single centre).
func cellEdges(c []float64) []float64 {
	n := len(c)
	e := make([]float64, n+1)
	if n == 1 {
		e[0], e[1] = c[0]-0.5, c[0]+0.5
		return e
	}
	for i := 1; i < n; i++ {
		e[i] = (c[i-1] + c[i]) / 2
	}
	e[0] = c[0] - (c[1]-c[0])/2
	e[n] = c[n-1] + (c[n-1]-c[n-2])/2
	return e
}

// isUniform reports whether the spacing of c is constant within 0.1 %.
func isUniform(c []float64) bool {
	if len(c) < 3 {
		return true
	}
	d := (c[len(c)-1] - c[0]) / float64(len(c)-1)
	for i := 1; i < len(c); i++ {
		if math.Abs(c[i]-c[i-1]-d) > 1e-3*d {
			return false
		}
	}
	return true
}

// resampleIndex maps n equally spaced raster positions over the edges'
// extent to the index of the containing cell.
func resampleIndex(edges []float64, n int) []int {
	idx := make([]int, n)
	lo, hi := edges[0], edges[len(edges)-1]
	for k := range idx {
		v := lo + (float64(k)+0.5)*(hi-lo)/float64(n)
		i := sort.SearchFloat64s(edges, v) - 1
		idx[k] = min(max(i, 0), len(edges)-2)
	}
	return idx
}

// rasterLayer is a plot.Plotter drawing a pre-coloured image over a data
// rectangle. Unlike plotter.HeatMap it adds no glyph padding, so the image
// fills the axes exactly, and it stays compact in SVG/PDF.
type rasterLayer struct {
	img                    image.Image
	xmin, xmax, ymin, ymax float64
}

// Plot implements plot.Plotter.
func (r *rasterLayer) Plot(c draw.Canvas, p *plot.Plot) {
	plotter.NewImage(r.img, r.xmin, r.ymin, r.xmax, r.ymax).Plot(c, p)
}

// DataRange implements plot.DataRanger.
func (r *rasterLayer) DataRange() (xmin, xmax, ymin, ymax float64) {
	return r.xmin, r.xmax, r.ymin, r.ymax
}

// newRaster colours f with lut over [lo, hi]. Uniform grids map one cell
// to one pixel; non-uniform grids are resampled (nearest cell) onto a
// 512-pixel raster per non-uniform axis.
func newRaster(f Field2D, lut []color.Color, lo, hi float64) *rasterLayer {
	ex, ey := cellEdges(f.X), cellEdges(f.Y)
	nx, ny := len(f.X), len(f.Y)
	ix := make([]int, nx)
	for i := range ix {
		ix[i] = i
	}
	iy := make([]int, ny)
	for j := range iy {
		iy[j] = j
	}
	if !isUniform(f.X) {
		nx = max(512, nx)
		ix = resampleIndex(ex, nx)
	}
	if !isUniform(f.Y) {
		ny = max(512, ny)
		iy = resampleIndex(ey, ny)
	}
	img := image.NewNRGBA(image.Rect(0, 0, nx, ny))
	for px := range nx {
		row := f.Z[ix[px]]
		for py := range ny {
			v := row[iy[py]]
			if math.IsNaN(v) {
				continue // transparent
			}
			img.Set(px, ny-1-py, lookup(lut, lo, hi, v))
		}
	}
	return &rasterLayer{img: img, xmin: ex[0], xmax: ex[len(ex)-1], ymin: ey[0], ymax: ey[len(ey)-1]}
}

// colorBar is a vertical colour scale drawn to the right of a heat map,
// spanning the full height of its data area, with ticks and an optional
// rotated label on the right.
type colorBar struct {
	lut              []color.Color
	lo, hi           float64
	label            string
	ticks            []plot.Tick
	tickSty, lablSty draw.TextStyle
}

// Geometry of colour bars.
var (
	cbGap     = vg.Points(10)
	cbBar     = vg.Points(13)
	cbTickLen = vg.Points(4)
	cbPad     = vg.Points(3)
)

// newColorBar builds the colour bar for values in [lo, hi].
func newColorBar(lut []color.Color, lo, hi float64, label string) *colorBar {
	cb := &colorBar{lut: lut, lo: lo, hi: hi, label: label,
		tickSty: textStyle(tickSize), lablSty: textStyle(labelSize)}
	cb.ticks = niceTicks(lo, hi, 5)
	cb.tickSty.Handler = tickHandler
	cb.tickSty.XAlign = draw.XLeft
	cb.tickSty.YAlign = draw.YCenter
	cb.lablSty.XAlign = draw.XCenter
	cb.lablSty.YAlign = draw.YBottom
	cb.lablSty.Rotation = math.Pi / 2
	return cb
}

// width implements sideElement.
func (cb *colorBar) width() vg.Length {
	w := cbGap + cbBar + cbTickLen + cbPad
	var lw vg.Length
	for _, t := range cb.ticks {
		lw = max(lw, cb.tickSty.Width(t.Label))
	}
	w += lw + cbPad
	if cb.label != "" {
		w += cb.lablSty.Height(cb.label) + cb.lablSty.FontExtents().Descent + cbPad
	}
	return w
}

// draw implements sideElement.
func (cb *colorBar) draw(c draw.Canvas, data vg.Rectangle) {
	x0 := c.Min.X + cbGap
	x1 := x0 + cbBar
	y0, y1 := data.Min.Y, data.Max.Y
	n := len(cb.lut)
	img := image.NewNRGBA(image.Rect(0, 0, 1, n))
	for i, col := range cb.lut {
		img.Set(0, n-1-i, col)
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}, img)
	ls := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	c.StrokeLines(ls, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
	var lw vg.Length
	for _, t := range cb.ticks {
		y := y0 + vg.Length((t.Value-cb.lo)/(cb.hi-cb.lo))*(y1-y0)
		c.StrokeLine2(ls, x1, y, x1+cbTickLen, y)
		c.FillText(cb.tickSty, vg.Point{X: x1 + cbTickLen + cbPad, Y: y}, t.Label)
		lw = max(lw, cb.tickSty.Width(t.Label))
	}
	if cb.label != "" {
		x := x1 + cbTickLen + cbPad + lw + cbPad + cb.lablSty.FontExtents().Descent + cb.lablSty.Height(cb.label)
		c.FillText(cb.lablSty, vg.Point{X: x, Y: (y0 + y1) / 2}, cb.label)
	}
}

// heatPlot builds a heat-map plot of f with colours over [lo, hi] and its
// colour bar.
func heatPlot(f Field2D, title, xLabel, yLabel, cbLabel string, lut []color.Color, lo, hi float64) (*plot.Plot, *colorBar) {
	p := newPlot(title, orDefault(xLabel, orDefault(f.XLabel, "x")), orDefault(yLabel, orDefault(f.YLabel, "y")))
	r := newRaster(f, lut, lo, hi)
	p.Add(r)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = r.xmin, r.xmax, r.ymin, r.ymax
	p.X.Padding, p.Y.Padding = 0, 0
	return p, newColorBar(lut, lo, hi, cbLabel)
}

// Heatmap draws f as a colour image with a colour bar. Options: WithTitle
// (default f.Name), WithSize (default 6×4.2 in), WithXLabel/WithYLabel
// (default f.XLabel/f.YLabel), WithColorMap (default Viridis), WithZRange
// (default: finite data range).
func Heatmap(f Field2D, opts ...Option) (*Figure, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	lo, hi := o.zRange(f.Z)
	p, cb := heatPlot(f, orDefault(o.title, f.Name), o.xLabel, o.yLabel, f.Name, o.lut(), lo, hi)
	w, h := o.size(6*vg.Inch, 4.2*vg.Inch)
	return singlePlotFigure(p, cb, w, h), nil
}

// zRange returns the colour range: WithZRange if given, else the finite
// range of the given fields.
func (o *options) zRange(zs ...[][]float64) (float64, float64) {
	if o.zRangeSet {
		return o.zMin, o.zMax
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, z := range zs {
		if a, b, ok := finiteRange(z); ok {
			lo, hi = math.Min(lo, a), math.Max(hi, b)
		}
	}
	return widenRange(lo, hi)
}

// lut samples the chosen colour map (default Viridis).
func (o *options) lut() []color.Color {
	if o.cmap != nil {
		return sampleColorMap(o.cmap)
	}
	return sampleColorMap(Viridis())
}

// SolutionPanels draws a 1×3 figure comparing a prediction with a
// reference solution on the same grid: prediction, reference (sharing one
// colour range) and the pointwise error |pred − ref| (own colour range,
// black-body colour map), each with its own colour bar. The error panel's
// title gives max |error|; the figure title (unless WithTitle) gives the
// relative L² error ‖pred − ref‖₂ / ‖ref‖₂ over the finite entries.
// Options: WithTitle, WithSize (default 16×4.6 in), WithXLabel/WithYLabel,
// WithColorMap and WithZRange (prediction and reference panels).
func SolutionPanels(pred, ref Field2D, opts ...Option) (*Figure, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if pred.Name == "" {
		pred.Name = "prediction"
	}
	if ref.Name == "" {
		ref.Name = "reference"
	}
	if err := validPair(pred, ref); err != nil {
		return nil, err
	}
	errF := Field2D{Name: "|error|", XLabel: pred.XLabel, YLabel: pred.YLabel, X: pred.X, Y: pred.Y,
		Z: make([][]float64, len(pred.X))}
	var num, den, maxErr float64
	for i := range pred.Z {
		errF.Z[i] = make([]float64, len(pred.Y))
		for j := range pred.Z[i] {
			d := math.Abs(pred.Z[i][j] - ref.Z[i][j])
			errF.Z[i][j] = d
			if isFinite(d) {
				num += d * d
				den += ref.Z[i][j] * ref.Z[i][j]
				maxErr = math.Max(maxErr, d)
			}
		}
	}
	if _, _, ok := finiteRange(errF.Z); !ok {
		return nil, fmt.Errorf("viz: SolutionPanels: %q and %q share no finite grid point", pred.Name, ref.Name)
	}
	lo, hi := o.zRange(pred.Z, ref.Z)
	lut := o.lut()
	w, h := o.size(16*vg.Inch, 4.6*vg.Inch)
	fig := &Figure{Width: w, Height: h, rows: 1, cols: 3}
	p1, c1 := heatPlot(pred, pred.Name, o.xLabel, o.yLabel, "", lut, lo, hi)
	p2, c2 := heatPlot(ref, ref.Name, o.xLabel, o.yLabel, "", lut, lo, hi)
	elo, ehi := widenRange(0, maxErr)
	p3, c3 := heatPlot(errF, "|error|, max "+shortSci(maxErr), o.xLabel, o.yLabel, "", sampleColorMap(moreland.BlackBody()), elo, ehi)
	fig.panels = []*panel{newPanel(p1, c1), newPanel(p2, c2), newPanel(p3, c3)}
	fig.Title = o.title
	if fig.Title == "" && den > 0 {
		fig.Title = "relative L² error " + shortSci(math.Sqrt(num/den))
	}
	return fig, nil
}

// validPair checks a prediction and its reference: each valid, on the same grid.
func validPair(pred, ref Field2D) error {
	if err := pred.Validate(); err != nil {
		return err
	}
	if err := ref.Validate(); err != nil {
		return err
	}
	return sameGrid(pred, ref)
}

// sameGrid checks that a and b are sampled on the same grid.
func sameGrid(a, b Field2D) error {
	if len(a.X) != len(b.X) || len(a.Y) != len(b.Y) {
		return fmt.Errorf("viz: grids differ: %q is %d×%d but %q is %d×%d",
			a.Name, len(a.X), len(a.Y), b.Name, len(b.X), len(b.Y))
	}
	for _, ax := range []struct {
		n    string
		u, v []float64
	}{{"X", a.X, b.X}, {"Y", a.Y, b.Y}} {
		span := math.Abs(ax.u[len(ax.u)-1]-ax.u[0]) + 1e-300
		for i := range ax.u {
			if math.Abs(ax.u[i]-ax.v[i]) > 1e-9*span {
				return fmt.Errorf("viz: grids differ: %q %s[%d]=%g but %q %s[%d]=%g",
					a.Name, ax.n, i, ax.u[i], b.Name, ax.n, i, ax.v[i])
			}
		}
	}
	return nil
}

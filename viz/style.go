package viz

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Font sizes used by all figures, in points.
const (
	titleSize  = 13
	labelSize  = 12
	tickSize   = 11
	legendSize = 11
)

// baseFont is the sans-serif face used for all text.
var baseFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// LineColors is the colour sequence used for successive lines: the
// colour-blind-safe Okabe–Ito palette (yellow omitted, black and grey
// appended).
var LineColors = []color.Color{
	color.NRGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF}, // blue
	color.NRGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF}, // vermillion
	color.NRGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF}, // bluish green
	color.NRGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF}, // orange
	color.NRGBA{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
	color.NRGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF}, // sky blue
	color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xFF}, // black
	color.NRGBA{R: 0x88, G: 0x88, B: 0x88, A: 0xFF}, // grey
}

// lineColor returns the i-th colour of LineColors, cycling.
func lineColor(i int) color.Color { return LineColors[i%len(LineColors)] }

// markerShapes cycles through glyph shapes so that series stay
// distinguishable in greyscale.
var markerShapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{},
	draw.RingGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
}

// refColor is used for reference lines (dense baseline, phase markers).
var refColor = color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xFF}

// viridisControls are 11 samples of the Viridis colour map (van der Walt &
// Smith), whose luminance increases monotonically.
var viridisControls = []color.Color{
	color.NRGBA{0x44, 0x01, 0x54, 0xFF}, color.NRGBA{0x48, 0x24, 0x75, 0xFF},
	color.NRGBA{0x41, 0x44, 0x87, 0xFF}, color.NRGBA{0x35, 0x5f, 0x8d, 0xFF},
	color.NRGBA{0x2a, 0x78, 0x8e, 0xFF}, color.NRGBA{0x21, 0x91, 0x8c, 0xFF},
	color.NRGBA{0x22, 0xa8, 0x84, 0xFF}, color.NRGBA{0x44, 0xbf, 0x70, 0xFF},
	color.NRGBA{0x7a, 0xd1, 0x51, 0xFF}, color.NRGBA{0xbd, 0xdf, 0x26, 0xFF},
	color.NRGBA{0xfd, 0xe7, 0x25, 0xFF},
}

// Viridis returns a new perceptually uniform sequential colour map
// (dark purple → blue → green → yellow) built with
// moreland.NewLuminance from samples of Viridis. It is the default colour
// map of heat maps.
func Viridis() palette.ColorMap {
	cm, err := moreland.NewLuminance(viridisControls)
	if err != nil { // cannot happen: the controls are monotone in luminance
		return moreland.Kindlmann()
	}
	return cm
}

// lutSize is the number of colours sampled from a colour map.
const lutSize = 256

// sampleColorMap returns lutSize colours evenly spaced over cm. It resets
// the map's range to [0, 1].
func sampleColorMap(cm palette.ColorMap) []color.Color {
	cm.SetMin(0)
	cm.SetMax(1)
	lut := make([]color.Color, lutSize)
	for i := range lut {
		c, err := cm.At(float64(i) / (lutSize - 1))
		if err != nil {
			c = color.Gray{Y: 128}
		}
		lut[i] = c
	}
	return lut
}

// lookup maps v ∈ [min, max] to a LUT colour, clamping outside values.
func lookup(lut []color.Color, min, max, v float64) color.Color {
	t := (v - min) / (max - min)
	switch {
	case t < 0 || math.IsInf(t, -1):
		t = 0
	case t > 1 || math.IsInf(t, 1):
		t = 1
	}
	return lut[int(t*float64(len(lut)-1)+0.5)]
}

// textStyle returns a left-aligned text style of the given size.
func textStyle(size float64) draw.TextStyle {
	return draw.TextStyle{
		Color:   color.Black,
		Font:    font.From(baseFont, vg.Length(size)),
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns a plot with the package's fonts, tick styles and labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(baseFont, titleSize)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(baseFont, labelSize)
		ax.Tick.Label.Font = font.From(baseFont, tickSize)
		ax.Tick.Label.Handler = tickHandler
		ax.Tick.Length = vg.Points(5)
		ax.Label.Padding = vg.Points(3)
		ax.LineStyle.Width = vg.Points(0.8)
		ax.Tick.LineStyle.Width = vg.Points(0.8)
	}
	p.X.Tick.Marker = linTicks{N: 4}
	p.Y.Tick.Marker = linTicks{N: 5}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(baseFont, legendSize)
	return p
}

// setLogY makes the y axis logarithmic with decade labels.
func setLogY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
}

// setLogX makes the x axis logarithmic with decade labels.
func setLogX(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
}

// grid returns light major grid lines.
func grid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	g.Vertical.Width = vg.Points(0.5)
	g.Horizontal.Width = vg.Points(0.5)
	return g
}

// linTicks labels about N "nice" values (see niceTicks) of a linear axis,
// with unlabelled minor ticks halfway between labels.
type linTicks struct{ N int }

// Ticks implements plot.Ticker.
func (lt linTicks) Ticks(min, max float64) []plot.Tick {
	n := lt.N
	if n < 2 {
		n = 5
	}
	major := niceTicks(min, max, n)
	if len(major) < 2 {
		return major
	}
	step := major[1].Value - major[0].Value
	ts := make([]plot.Tick, 0, 2*len(major)+1)
	if v := major[0].Value - step/2; v >= min {
		ts = append(ts, plot.Tick{Value: v})
	}
	for _, t := range major {
		ts = append(ts, t)
		if v := t.Value + step/2; v <= max {
			ts = append(ts, plot.Tick{Value: v})
		}
	}
	return ts
}

// niceTicks returns about n labelled ticks at "nice" multiples
// (1, 2, 2.5, 5 ×10ᵏ) inside [lo, hi]; used for colour bars.
func niceTicks(lo, hi float64, n int) []plot.Tick {
	if !(hi > lo) || n < 1 {
		return []plot.Tick{{Value: lo, Label: formatNumber(lo)}}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := mag
	for _, m := range []float64{2, 2.5, 5, 10} {
		if math.Abs(math.Log(m*mag/raw)) < math.Abs(math.Log(step/raw)) {
			step = m * mag
		}
	}
	var ts []plot.Tick
	amax := math.Max(math.Abs(lo), math.Abs(hi))
	sci := amax < 1e-3 || amax >= 1e5
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+1e-9*step; v += step {
		if math.Abs(v) < 1e-9*step {
			v = 0
		}
		var lbl string
		switch {
		case v == 0:
			lbl = "0"
		case sci:
			lbl = prettyExp(strconv.FormatFloat(v, 'e', 1, 64))
		default:
			lbl = strings.Replace(strconv.FormatFloat(v, 'f', max(0, -int(math.Floor(math.Log10(step)+1e-9))+1), 64), "-", "−", 1)
			if strings.Contains(lbl, ".") {
				lbl = strings.TrimRight(strings.TrimRight(lbl, "0"), ".")
			}
		}
		ts = append(ts, plot.Tick{Value: v, Label: lbl})
	}
	return ts
}

// logTicks labels the decades 10ⁿ of a log axis and puts unlabelled minor
// ticks at 2…9·10ⁿ. When fewer than two decades fall inside the axis range
// (or fewer than three decades) it also labels 2·10ⁿ and 5·10ⁿ, and if
// that still gives fewer than two labels, every minor tick.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || !isFinite(min) || !isFinite(max) {
		return nil
	}
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	inRange := func(v float64) bool { return v >= min*(1-1e-9) && v <= max*(1+1e-9) }
	decadeStep := 1
	if n := hi - lo; n > 10 {
		decadeStep = (n + 9) / 10
	}
	var ts []plot.Tick
	labelled := 0
	for k := lo; k <= hi; k++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(k)
			if !inRange(v) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 && k%decadeStep == 0 {
				t.Label = "x"
				labelled++
			}
			ts = append(ts, t)
		}
	}
	need := 3 // decades only need three labels, 1-2-5 or all need two
	for _, allowed := range [][]int{{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		if labelled >= need {
			break
		}
		need = 2
		labelled = 0
		for i := range ts {
			m, _ := mantExp(ts[i].Value)
			for _, a := range allowed {
				if m == a {
					ts[i].Label = "x"
					labelled++
				}
			}
		}
	}
	// Plain numbers if every label is moderate, else m×10ᵏ throughout.
	plain := true
	for _, t := range ts {
		if t.Label != "" && (t.Value < 1e-3*(1-1e-9) || t.Value > 1e4*(1+1e-9)) {
			plain = false
		}
	}
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		if plain {
			ts[i].Label = formatNumber(ts[i].Value)
		} else {
			m, k := mantExp(ts[i].Value)
			ts[i].Label = powLabel(m, k)
		}
	}
	return ts
}

// mantExp splits v ≈ m·10ᵏ with integer mantissa m ∈ 1…9.
func mantExp(v float64) (m, k int) {
	k = int(math.Floor(math.Log10(v) + 1e-9))
	m = int(math.Round(v / math.Pow10(k)))
	return m, k
}

// expText formats the exponent k for supText: "3", "−4" (true minus).
func expText(k int) string { return strings.Replace(strconv.Itoa(k), "-", "−", 1) }

// powLabel formats m·10ᵏ as "10^3" or "2×10^−4"; supText draws the part
// after '^' as a superscript. (Liberation Sans lacks ⁰, ⁹ and ⁻, so
// Unicode superscripts cannot be used.)
func powLabel(m, k int) string {
	if m == 1 {
		return "10^" + expText(k)
	}
	return strconv.Itoa(m) + "×10^" + expText(k)
}

// prettyExp rewrites a strconv exponent form ("2.5e-05") as "2.5×10^−5"
// (for supText).
func prettyExp(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return strings.Replace(s, "-", "−", 1)
	}
	mant, exp := s[:i], s[i+1:]
	e, err := strconv.Atoi(exp)
	if err != nil {
		return s
	}
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	ex := "10^" + expText(e)
	switch mant {
	case "1":
		return ex
	case "-1":
		return "−" + ex
	}
	return strings.Replace(mant, "-", "−", 1) + "×" + ex
}

// supText is a text.Handler for tick labels: a single-line text "a^b" is
// drawn as a followed by b in a smaller, raised font; anything else is
// drawn as plain text.
type supText struct{ text.Plain }

// supScale and supRaise size and lift superscripts relative to the font.
const (
	supScale = 0.72
	supRaise = 0.42
)

// split returns the base and superscript parts of txt.
func (supText) split(txt string) (base, sup string, ok bool) {
	if strings.Contains(txt, "\n") {
		return "", "", false
	}
	i := strings.IndexByte(txt, '^')
	if i < 0 {
		return "", "", false
	}
	return txt[:i], txt[i+1:], true
}

// supFont returns the superscript font for fnt.
func supFont(fnt font.Font) font.Font {
	f := fnt
	f.Size = fnt.Size * supScale
	return f
}

// Box implements text.Handler.
func (h supText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	base, sup, ok := h.split(txt)
	if !ok {
		return h.Plain.Box(txt, fnt)
	}
	face := h.Fonts.Lookup(fnt, fnt.Size)
	sf := supFont(fnt)
	sface := h.Fonts.Lookup(sf, sf.Size)
	ext := face.Extents()
	width = face.Width(base) + sface.Width(sup)
	height = max(ext.Ascent, vg.Length(supRaise)*fnt.Size+sface.Extents().Ascent)
	return width, height, ext.Descent
}

// Draw implements text.Handler. Rotated text is drawn plainly.
func (h supText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	base, sup, ok := h.split(txt)
	if !ok || sty.Rotation != 0 {
		h.Plain.Draw(c, strings.Replace(txt, "^", "", 1), sty, pt)
		return
	}
	face := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	sf := supFont(sty.Font)
	sface := h.Fonts.Lookup(sf, sf.Size)
	w, ht, dp := h.Box(txt, sty.Font)
	x := pt.X + vg.Length(sty.XAlign)*w
	baseline := pt.Y + (ht+dp)*vg.Length(sty.YAlign) - face.Extents().Ascent + sty.Font.Size
	c.SetColor(sty.Color)
	c.FillString(face, vg.Point{X: x, Y: baseline}, base)
	c.FillString(sface, vg.Point{X: x + face.Width(base), Y: baseline + vg.Length(supRaise)*sty.Font.Size}, sup)
}

// tickHandler is the shared handler for tick labels.
var tickHandler = supText{text.Plain{Fonts: font.DefaultCache}}

// formatNumber prints v with up to 3 significant digits, using ×10ⁿ for
// very small or large magnitudes.
func formatNumber(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e-3 && a < 1e5 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if len(s) > 7 {
			s = strconv.FormatFloat(v, 'g', 3, 64)
		}
		return s
	}
	return prettyExp(strconv.FormatFloat(v, 'e', 2, 64))
}

// shortSci formats v in compact scientific notation, e.g. "3.21e-03".
func shortSci(v float64) string {
	return strconv.FormatFloat(v, 'e', 2, 64)
}

package viz

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/annsvd/annsvd/internal/atomicio"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DefaultDPI is the PNG resolution used by [Figure.Save] and when a
// non-positive dpi is passed to [Figure.SavePNG] or [Figure.PNGBytes].
const DefaultDPI = 150

// displayDPI is the PNG resolution used by [Figure.Display] (2× density for
// sharp rendering on high-DPI screens; the image is shown at nominal size).
const displayDPI = 192

// Figure is a grid of plots (panels) with an optional overall title. Panels
// may carry a colour bar or a legend drawn to the right of their data area.
// Panels in the same row share the vertical extent of their data areas and
// panels in the same column share the horizontal one, so axes line up.
//
// A Figure is not safe for concurrent rendering.
type Figure struct {
	// Width and Height are the overall size of the figure.
	Width, Height vg.Length
	// Title, if non-empty, is drawn centred above all panels.
	Title string

	rows, cols int
	panels     []*panel // row-major, nil for empty cells
}

// panel is one cell of a figure: a plot plus an optional element (colour
// bar, legend) to the right of it.
type panel struct {
	plot *plot.Plot
	side sideElement
	// yLabel is set during Draw for log-scale y axes: the figure then draws
	// the label itself, left of the plot and centred on the data area
	// (gonum/plot centres the label's glyph box at the arithmetic
	// mid-range, which on a log axis lies near the top and needlessly
	// shrinks the data area).
	yLabel string
}

// newPanel wraps p and side.
func newPanel(p *plot.Plot, side sideElement) *panel {
	return &panel{plot: p, side: side}
}

// takeLogYLabel moves a log-scale y label from the plot to the panel for
// the duration of a Draw; the returned function restores it.
func (pn *panel) takeLogYLabel() (restore func()) {
	p := pn.plot
	if _, isLog := p.Y.Scale.(plot.LogScale); !isLog || p.Y.Label.Text == "" {
		pn.yLabel = ""
		return func() {}
	}
	pn.yLabel = p.Y.Label.Text
	p.Y.Label.Text = ""
	return func() { p.Y.Label.Text, pn.yLabel = pn.yLabel, "" }
}

// yLabelStyle is the style of panel-drawn y labels.
func yLabelStyle() draw.TextStyle {
	sty := textStyle(labelSize)
	sty.XAlign = draw.XCenter
	sty.YAlign = draw.YBottom
	sty.Rotation = math.Pi / 2
	return sty
}

// yLabelWidth is the horizontal space taken by the panel-drawn y label.
func (pn *panel) yLabelWidth() vg.Length {
	if pn.yLabel == "" {
		return 0
	}
	sty := yLabelStyle()
	return sty.Height(pn.yLabel) + sty.FontExtents().Descent + vg.Points(3)
}

// sideElement is drawn to the right of a panel's plot.
type sideElement interface {
	// width is the horizontal space reserved for the element.
	width() vg.Length
	// draw renders the element in c; data is the plot's data area.
	draw(c draw.Canvas, data vg.Rectangle)
}

// NewFigure returns an empty rows×cols figure of the given size. Fill it
// with [Figure.SetPlot]. It returns an error if rows or cols is not
// positive or the size is not positive.
func NewFigure(rows, cols int, width, height vg.Length) (*Figure, error) {
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("viz: NewFigure: rows=%d and cols=%d must be ≥ 1", rows, cols)
	}
	if !(width > 0 && height > 0) {
		return nil, fmt.Errorf("viz: NewFigure: width=%v and height=%v must be positive", width, height)
	}
	return &Figure{Width: width, Height: height, rows: rows, cols: cols, panels: make([]*panel, rows*cols)}, nil
}

// singlePlotFigure wraps one plot (and optional side element).
func singlePlotFigure(p *plot.Plot, side sideElement, w, h vg.Length) *Figure {
	f := &Figure{Width: w, Height: h, rows: 1, cols: 1}
	f.panels = []*panel{newPanel(p, side)}
	return f
}

// Rows returns the number of panel rows.
func (f *Figure) Rows() int { return f.rows }

// Cols returns the number of panel columns.
func (f *Figure) Cols() int { return f.cols }

// SetPlot places p in cell (row, col), replacing what was there (including
// any colour bar or legend). A nil p empties the cell.
func (f *Figure) SetPlot(row, col int, p *plot.Plot) error {
	if row < 0 || row >= f.rows || col < 0 || col >= f.cols {
		return fmt.Errorf("viz: SetPlot: cell (%d, %d) outside %d×%d grid", row, col, f.rows, f.cols)
	}
	if p == nil {
		f.panels[row*f.cols+col] = nil
		return nil
	}
	f.panels[row*f.cols+col] = newPanel(p, nil)
	return nil
}

// SetFigure places the first panel of src — its plot together with its
// colour bar or legend — in cell (row, col). It is the way to compose the
// figures returned by this package's constructors into one grid, e.g. a
// loss curve next to a spectrum. The panel is shared, not copied.
func (f *Figure) SetFigure(row, col int, src *Figure) error {
	if row < 0 || row >= f.rows || col < 0 || col >= f.cols {
		return fmt.Errorf("viz: SetFigure: cell (%d, %d) outside %d×%d grid", row, col, f.rows, f.cols)
	}
	if src == nil || len(src.panels) == 0 || src.panels[0] == nil {
		return fmt.Errorf("viz: SetFigure: source figure is nil or has no first panel")
	}
	f.panels[row*f.cols+col] = src.panels[0]
	return nil
}

// Plot returns the plot in cell (row, col), or nil if the cell is empty or
// outside the grid. It can be used to tweak a figure before saving.
func (f *Figure) Plot(row, col int) *plot.Plot {
	if row < 0 || row >= f.rows || col < 0 || col >= f.cols {
		return nil
	}
	if pn := f.panels[row*f.cols+col]; pn != nil {
		return pn.plot
	}
	return nil
}

// Draw renders the figure onto c.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	if f.Title != "" {
		sty := textStyle(titleSize + 1)
		sty.XAlign = draw.XCenter
		sty.YAlign = draw.YTop
		top := c.Max.Y - vg.Points(4)
		c.FillText(sty, vg.Point{X: c.Center().X, Y: top}, f.Title)
		c.Max.Y = top - sty.Rectangle(f.Title).Size().Y - vg.Points(4)
	}
	for _, pn := range f.panels {
		if pn != nil {
			defer pn.takeLogYLabel()()
		}
	}
	mains, datas := f.cells(c)
	f.alignData(mains, datas)
	for i, pn := range f.panels {
		if pn == nil {
			continue
		}
		pn.plot.Draw(mains[i])
		dc := pn.plot.DataCanvas(mains[i])
		if pn.yLabel != "" {
			sty := yLabelStyle()
			x := mains[i].Min.X - pn.yLabelWidth() + sty.Height(pn.yLabel)
			c.FillText(sty, vg.Point{X: x, Y: (dc.Min.Y + dc.Max.Y) / 2}, pn.yLabel)
		}
		if pn.side != nil {
			sc := mains[i]
			sc.Min.X = dc.Max.X
			sc.Max.X = mains[i].Max.X + pn.side.width()
			pn.side.draw(sc, dc.Rectangle)
		}
	}
}

// cells lays the panels out on c: each panel's canvas (its grid cell, less its y label
// and the side widths of the columns before it) and its data area.
func (f *Figure) cells(c draw.Canvas) (mains, datas []draw.Canvas) {
	tiles := draw.Tiles{
		Rows: f.rows, Cols: f.cols,
		PadTop: vg.Points(6), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(6),
		PadX: vg.Points(14), PadY: vg.Points(12),
	}
	// Each column reserves the widest side element of its panels (a colour bar, a
	// legend), so columns without one keep their full width.
	sideW := make([]vg.Length, f.cols)
	var sides vg.Length
	for i, pn := range f.panels {
		if pn != nil && pn.side != nil {
			sideW[i%f.cols] = max(sideW[i%f.cols], pn.side.width())
		}
	}
	for _, w := range sideW {
		sides += w
	}
	grid := c
	grid.Max.X -= sides
	mains = make([]draw.Canvas, len(f.panels))
	datas = make([]draw.Canvas, len(f.panels))
	for i, pn := range f.panels {
		if pn == nil {
			continue
		}
		col := i % f.cols
		cell := tiles.At(grid, col, i/f.cols)
		var shift vg.Length
		for _, w := range sideW[:col] {
			shift += w
		}
		cell.Min.X += shift
		cell.Max.X += shift
		cell.Min.X += pn.yLabelWidth()
		mains[i] = cell
		datas[i] = pn.plot.DataCanvas(cell)
	}
	return mains, datas
}

// alignData shrinks the panel canvases so that data areas share their bottom and top
// in each row and their left and right in each column.
func (f *Figure) alignData(mains, datas []draw.Canvas) {
	for r := range f.rows {
		lo, hi := vg.Length(math.Inf(-1)), vg.Length(math.Inf(1))
		for cc := range f.cols {
			if i := r*f.cols + cc; f.panels[i] != nil {
				lo = max(lo, datas[i].Min.Y)
				hi = min(hi, datas[i].Max.Y)
			}
		}
		for cc := range f.cols {
			if i := r*f.cols + cc; f.panels[i] != nil && hi > lo {
				mains[i].Min.Y += lo - datas[i].Min.Y
				mains[i].Max.Y -= datas[i].Max.Y - hi
			}
		}
	}
	for cc := range f.cols {
		lo, hi := vg.Length(math.Inf(-1)), vg.Length(math.Inf(1))
		for r := range f.rows {
			if i := r*f.cols + cc; f.panels[i] != nil {
				lo = max(lo, datas[i].Min.X)
				hi = min(hi, datas[i].Max.X)
			}
		}
		for r := range f.rows {
			if i := r*f.cols + cc; f.panels[i] != nil && hi > lo {
				mains[i].Min.X += lo - datas[i].Min.X
				mains[i].Max.X -= datas[i].Max.X - hi
			}
		}
	}
}

// render draws the figure into a canvas of the given format ("png", "svg"
// or "pdf") and returns the encoded bytes. Panics raised by gonum/plot
// while drawing are converted to errors.
func (f *Figure) render(format string, dpi int) (out []byte, err error) {
	if f == nil {
		return nil, fmt.Errorf("viz: render %s: figure is nil", format)
	}
	if !(f.Width > 0 && f.Height > 0) {
		return nil, fmt.Errorf("viz: render %s: figure size %v×%v must be positive", format, f.Width, f.Height)
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("viz: render %s: %v", format, r)
		}
	}()
	var cw vg.CanvasWriterTo
	switch format {
	case "png":
		if dpi <= 0 {
			dpi = DefaultDPI
		}
		cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))}
	case "svg":
		cw = vgsvg.New(f.Width, f.Height)
	case "pdf":
		cw = vgpdf.New(f.Width, f.Height)
	default:
		return nil, fmt.Errorf("viz: unknown format %q (want png, svg or pdf)", format)
	}
	f.Draw(draw.New(cw))
	var buf bytes.Buffer
	if _, err := cw.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("viz: encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// SVGBytes returns the figure encoded as SVG.
func (f *Figure) SVGBytes() ([]byte, error) { return f.render("svg", 0) }

// PNGBytes returns the figure encoded as PNG at dpi dots per inch
// (DefaultDPI if dpi ≤ 0). The image is Width·dpi/72 × Height·dpi/72
// pixels (sizes in points).
func (f *Figure) PNGBytes(dpi int) ([]byte, error) { return f.render("png", dpi) }

// PDFBytes returns the figure encoded as PDF with embedded fonts.
func (f *Figure) PDFBytes() ([]byte, error) { return f.render("pdf", 0) }

// SaveSVG writes the figure as SVG to path atomically.
func (f *Figure) SaveSVG(path string) error { return f.saveFormat(path, "svg", 0) }

// SavePNG writes the figure as PNG at dpi dots per inch (DefaultDPI if
// dpi ≤ 0) to path atomically.
func (f *Figure) SavePNG(path string, dpi int) error { return f.saveFormat(path, "png", dpi) }

// SavePDF writes the figure as PDF to path atomically.
func (f *Figure) SavePDF(path string) error { return f.saveFormat(path, "pdf", 0) }

// Save writes the figure to pathWithoutExt + "." + format for each format
// ("svg", "png" or "pdf"; case-insensitive, leading dot optional). With no
// formats it writes SVG and PNG. PNGs use DefaultDPI. All formats are
// validated before anything is written.
func (f *Figure) Save(pathWithoutExt string, formats ...string) error {
	if pathWithoutExt == "" {
		return fmt.Errorf("viz: Save: empty path")
	}
	if len(formats) == 0 {
		formats = []string{"svg", "png"}
	}
	norm := make([]string, len(formats))
	for i, fm := range formats {
		n := strings.ToLower(strings.TrimPrefix(fm, "."))
		if n != "svg" && n != "png" && n != "pdf" {
			return fmt.Errorf("viz: Save: unknown format %q (want svg, png or pdf)", fm)
		}
		norm[i] = n
	}
	for _, n := range norm {
		if err := f.saveFormat(pathWithoutExt+"."+n, n, DefaultDPI); err != nil {
			return err
		}
	}
	return nil
}

// saveFormat renders and writes one file.
func (f *Figure) saveFormat(path, format string, dpi int) error {
	if path == "" {
		return fmt.Errorf("viz: save %s: empty path", format)
	}
	b, err := f.render(format, dpi)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// writeFileAtomic writes data to path atomically (internal/atomicio).
func writeFileAtomic(path string, data []byte) error {
	if err := atomicio.WriteFile(path, data); err != nil {
		return fmt.Errorf("viz: write %q: %w", path, err)
	}
	return nil
}

// Display shows the figure inline when running under a GoNB (Jupyter)
// kernel, as a high-density image/png output whose display width is the
// figure's nominal size (so a saved notebook shows it on code hosts too);
// elsewhere it does nothing and returns nil.
func (f *Figure) Display() error {
	if !gonbui.IsNotebook {
		return nil
	}
	b, err := f.PNGBytes(displayDPI)
	if err != nil {
		return err
	}
	gonbui.SendData(f.displayData(b))
	return nil
}

// DisplaySVG shows the figure inline as SVG when running under GoNB (via
// gonbui.DisplaySvg); elsewhere it does nothing and returns nil.
func (f *Figure) DisplaySVG() error {
	if !gonbui.IsNotebook {
		return nil
	}
	b, err := f.SVGBytes()
	if err != nil {
		return err
	}
	gonbui.DisplaySvg(string(b))
	return nil
}

// The display metadata's nested map travels to the kernel gob-encoded.
func init() { gob.Register(map[string]any{}) }

// displayData returns the Jupyter display_data of png: the image at the
// figure's CSS width (Jupyter's "width" image metadata) with its title as text.
func (f *Figure) displayData(png []byte) *protocol.DisplayData {
	wpx := int(math.Round(f.Width.Points() * 96 / 72))
	alt := f.Title
	if alt == "" && len(f.panels) > 0 && f.panels[0] != nil {
		alt = f.panels[0].plot.Title.Text
	}
	return &protocol.DisplayData{
		Data:     map[protocol.MIMEType]any{protocol.MIMEImagePNG: png, protocol.MIMETextPlain: "figure: " + alt},
		Metadata: map[string]any{string(protocol.MIMEImagePNG): map[string]any{"width": wpx}},
	}
}

package viz

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot/vg"
)

// burgers returns a Burgers-like field u(t, x) (X = t, Y = x) and a
// "prediction" with a small error concentrated at the shock.
func burgers(nt, nx int) (ref, pred Field2D) {
	ts := linspace(0, 1, nt)
	xs := linspace(-1, 1, nx)
	ref = Field2D{Name: "u(t,x)", XLabel: "t", YLabel: "x", X: ts, Y: xs, Z: make([][]float64, nt)}
	pred = Field2D{Name: "û(t,x)", XLabel: "t", YLabel: "x", X: ts, Y: xs, Z: make([][]float64, nt)}
	for i, t := range ts {
		ref.Z[i] = make([]float64, nx)
		pred.Z[i] = make([]float64, nx)
		w := 0.02 + 0.6*(1-t)
		for j, x := range xs {
			u := -math.Sin(math.Pi*x) * math.Exp(-t) * (1 - math.Exp(-math.Abs(x)/w))
			if x < 0 {
				u = math.Abs(u)
			} else {
				u = -math.Abs(u)
			}
			ref.Z[i][j] = u
			pred.Z[i][j] = u + 0.03*t*math.Exp(-x*x/(w*w+0.002)) + 0.002*math.Sin(7*x)
		}
	}
	return ref, pred
}

func linspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return v
}

func losses() []LossSeries {
	terms := []string{"total", "PDE residual", "initial", "boundary"}
	var out []LossSeries
	for k, term := range terms {
		s := LossSeries{Term: term}
		for step := 0; step <= 3000; step += 10 {
			v := math.Pow(10, -0.6*float64(k)) * (math.Exp(-float64(step)/400) + 1e-3*math.Exp(-float64(step)/3000))
			if step > 2000 {
				v *= math.Exp(-float64(step-2000) / 300)
			}
			v *= 1 + 0.3*math.Sin(float64(step)*0.37+float64(k))
			s.Steps = append(s.Steps, step)
			s.Values = append(s.Values, v)
		}
		out = append(out, s)
	}
	return out
}

func spectra() []Spectrum {
	var out []Spectrum
	for _, step := range []int{0, 500, 1000, 2000, 3000} {
		s := Spectrum{Step: step}
		for i := range 20 {
			s.Sigma = append(s.Sigma, math.Exp(-float64(i)*(0.05+float64(step)/6000)))
		}
		out = append(out, s)
	}
	return out
}

func study() []StudyPoint {
	var pts []StudyPoint
	for m, mode := range []string{"svd", "svd+prune", "low-rank"} {
		for _, r := range []int{2, 4, 8, 16, 32, 64} {
			e := 0.2 * math.Pow(float64(r), -0.8-0.15*float64(m))
			pts = append(pts, StudyPoint{Mode: mode, Rank: r, Params: 3*2*r*50 + 400, ErrMean: e, ErrStd: e * (0.3 + 0.4*float64(m)),
				MsPerStep: 2 + 0.05*float64(r)*(1+float64(m)), Seeds: 5})
		}
	}
	return pts
}

// checkFigure renders f to PNG and SVG files, checks they are non-empty
// and that the PNG decodes to the expected size. With VIZCHECK_DIR set,
// the PNG is also written there for visual inspection.
func checkFigure(t *testing.T, name string, f *Figure, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dir := t.TempDir()
	const dpi = 100
	pngPath := filepath.Join(dir, name+".png")
	if err := f.SavePNG(pngPath, dpi); err != nil {
		t.Fatalf("%s: SavePNG: %v", name, err)
	}
	if err := f.SaveSVG(filepath.Join(dir, name+".svg")); err != nil {
		t.Fatalf("%s: SaveSVG: %v", name, err)
	}
	b, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: decode PNG: %v", name, err)
	}
	wantW := int(f.Width.Points()*dpi/72 + 0.5)
	wantH := int(f.Height.Points()*dpi/72 + 0.5)
	if got := img.Bounds(); got.Dx() != wantW || got.Dy() != wantH {
		t.Errorf("%s: PNG is %dx%d, want %dx%d", name, got.Dx(), got.Dy(), wantW, wantH)
	}
	svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
	if err != nil || len(svg) == 0 || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("%s: SVG empty or invalid (err=%v, %d bytes)", name, err, len(svg))
	}
	if out := os.Getenv("VIZCHECK_DIR"); out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := f.SavePNG(filepath.Join(out, name+".png"), DefaultDPI); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHeatmap(t *testing.T) {
	ref, _ := burgers(100, 128)
	f, err := Heatmap(ref)
	checkFigure(t, "heatmap", f, err)
}

func TestHeatmapNonUniformNaN(t *testing.T) {
	f := Field2D{Name: "v", X: []float64{0, 0.1, 0.5, 2}, Y: []float64{1, 2, 4}, Z: [][]float64{{1, 2, 3}, {math.NaN(), 2, 1}, {0, 0, 0}, {5, 5, 5}}}
	fig, err := Heatmap(f, WithColorMap(Viridis()), WithZRange(0, 4), WithTitle("non-uniform"))
	checkFigure(t, "heatmap_nonuniform", fig, err)
	// Constant field: degenerate range must still render.
	c := Field2D{X: []float64{0}, Y: []float64{0}, Z: [][]float64{{3}}}
	fig, err = Heatmap(c)
	checkFigure(t, "heatmap_const", fig, err)
}

func TestSolutionPanels(t *testing.T) {
	ref, pred := burgers(100, 256)
	f, err := SolutionPanels(pred, ref)
	checkFigure(t, "solution_panels", f, err)
	if !strings.Contains(f.Title, "relative L² error") {
		t.Errorf("title %q lacks relative L² error", f.Title)
	}
	if got := f.Plot(0, 2).Title.Text; !strings.HasPrefix(got, "|error|, max ") {
		t.Errorf("error panel title %q lacks max error", got)
	}
}

// TestTimeSlices: one panel per time at the nearest grid time, its title giving that
// time and the slice's max |error|; times outside the grid are refused.
func TestTimeSlices(t *testing.T) {
	tr := func(f Field2D) Field2D { // burgers has t along X: put x along X
		g := Field2D{Name: f.Name, XLabel: f.YLabel, YLabel: f.XLabel, X: f.Y, Y: f.X, Z: make([][]float64, len(f.Y))}
		for i := range f.Y {
			g.Z[i] = make([]float64, len(f.X))
			for j := range f.X {
				g.Z[i][j] = f.Z[j][i]
			}
		}
		return g
	}
	r0, p0 := burgers(100, 256)
	ref, pred := tr(r0), tr(p0)
	f, err := TimeSlices(pred, ref, []float64{0.25, 0.5, 0.75})
	checkFigure(t, "time_slices", f, err)
	if f.Cols() != 3 {
		t.Fatalf("%d panels, want 3", f.Cols())
	}
	j := 0
	for i, y := range pred.Y {
		if math.Abs(y-0.5) < math.Abs(pred.Y[j]-0.5) {
			j = i
		}
	}
	maxErr := 0.0
	for i := range pred.X {
		maxErr = math.Max(maxErr, math.Abs(pred.Z[i][j]-ref.Z[i][j]))
	}
	want := fmt.Sprintf("t = %.3g, max |error| %s", pred.Y[j], shortSci(maxErr))
	if got := f.Plot(0, 1).Title.Text; got != want {
		t.Errorf("middle panel title %q, want %q", got, want)
	}
	if _, err := TimeSlices(pred, ref, []float64{2}); err == nil || !strings.Contains(err.Error(), "time 2 outside") {
		t.Errorf("time outside the grid: err = %v", err)
	}
	if _, err := TimeSlices(pred, ref, nil); err == nil {
		t.Error("no times accepted")
	}
}

func TestLossCurves(t *testing.T) {
	f, err := LossCurves(losses(), []Phase{{"Adam", 0}, {"L-BFGS", 2000}}, "Burgers training loss")
	checkFigure(t, "loss_curves", f, err)
	// Long series are decimated.
	long := LossSeries{Term: "long"}
	for i := range 100000 {
		long.Steps = append(long.Steps, i)
		long.Values = append(long.Values, 1/float64(i+1)*(1.5+math.Sin(float64(i))))
	}
	f, err = LossCurves([]LossSeries{long}, nil, "")
	checkFigure(t, "loss_long", f, err)
	svg, err := f.SVGBytes()
	if err != nil || len(svg) > 400_000 {
		t.Errorf("decimated SVG is %d bytes (err %v)", len(svg), err)
	}
}

func TestSpectra(t *testing.T) {
	f, err := Spectra("hidden 2", spectra(), WithThreshold(1e-2))
	checkFigure(t, "spectra", f, err)
	var many []Spectrum
	for k := range 30 {
		many = append(many, Spectrum{Step: 100 * k, Sigma: []float64{3, 1, 0.5 / float64(k+1), 0}})
	}
	f, err = Spectra("", many)
	checkFigure(t, "spectra_many", f, err)
}

func TestStudy(t *testing.T) {
	pts := study()
	f, err := ErrorVsRank(pts, 4e-3)
	checkFigure(t, "error_vs_rank", f, err)
	f, err = ErrorVsParams(pts, 4e-3)
	checkFigure(t, "error_vs_params", f, err)
	f, err = TimeVsRank(pts, 6.5)
	checkFigure(t, "time_vs_rank", f, err)
	// Narrow linear rank range, no baseline, std ≥ mean (clipped bars).
	small := []StudyPoint{{Mode: "a", Rank: 3, ErrMean: 0.1, ErrStd: 0.2, Seeds: 3}, {Mode: "a", Rank: 4, ErrMean: 0.05, ErrStd: math.NaN(), Seeds: 3}}
	f, err = ErrorVsRank(small, math.NaN())
	checkFigure(t, "error_vs_rank_small", f, err)
}

func TestErrors(t *testing.T) {
	ref, pred := burgers(10, 12)
	nanF := Field2D{Name: "nanfield", X: []float64{0, 1}, Y: []float64{0}, Z: [][]float64{{math.NaN()}, {math.NaN()}}}
	badRow := Field2D{Name: "ragged", X: []float64{0, 1}, Y: []float64{0, 1}, Z: [][]float64{{1, 2}, {3}}}
	notInc := Field2D{Name: "decr", X: []float64{1, 0}, Y: []float64{0}, Z: [][]float64{{1}, {2}}}
	other, _ := burgers(11, 12)
	cases := []struct {
		name, want string
		f          func() (*Figure, error)
	}{
		{"empty field", "empty grid", func() (*Figure, error) { return Heatmap(Field2D{Name: "e"}) }},
		{"nan field", `"nanfield": Z has no finite value`, func() (*Figure, error) { return Heatmap(nanF) }},
		{"ragged", "len(Z[1])=1", func() (*Figure, error) { return Heatmap(badRow) }},
		{"decreasing", "X not strictly increasing", func() (*Figure, error) { return Heatmap(notInc) }},
		{"bad zrange", "WithZRange", func() (*Figure, error) { return Heatmap(ref, WithZRange(1, 0)) }},
		{"grid mismatch", "grids differ", func() (*Figure, error) { return SolutionPanels(pred, other) }},
		{"no series", "series is empty", func() (*Figure, error) { return LossCurves(nil, nil, "") }},
		{"len mismatch", `"pde": len(Steps)=2 but len(Values)=1`, func() (*Figure, error) {
			return LossCurves([]LossSeries{{Term: "pde", Steps: []int{0, 1}, Values: []float64{1}}}, nil, "")
		}},
		{"nan losses", `"bc" has no positive finite value`, func() (*Figure, error) {
			return LossCurves([]LossSeries{{Term: "bc", Steps: []int{0, 1}, Values: []float64{math.NaN(), math.NaN()}}}, nil, "")
		}},
		{"no spectra", "spectra is empty", func() (*Figure, error) { return Spectra("l1", nil) }},
		{"negative sigma", "σ[1]=-1 is negative", func() (*Figure, error) { return Spectra("l1", []Spectrum{{Sigma: []float64{1, -1}}}) }},
		{"nan spectra", "no spectrum has a positive finite", func() (*Figure, error) {
			return Spectra("l1", []Spectrum{{Sigma: []float64{math.NaN()}}})
		}},
		{"bad tau", "τ=-1", func() (*Figure, error) { return Spectra("l1", spectra(), WithThreshold(-1)) }},
		{"no points", "points is empty", func() (*Figure, error) { return ErrorVsRank(nil, 0) }},
		{"bad rank", "points[0] (mode \"m\"): Rank=0", func() (*Figure, error) {
			return ErrorVsRank([]StudyPoint{{Mode: "m", ErrMean: 1}}, 0)
		}},
		{"bad params", "Params=0", func() (*Figure, error) { return ErrorVsParams([]StudyPoint{{Mode: "m", Rank: 1, ErrMean: 1}}, 0) }},
		{"nan errs", "no point has a positive finite ErrMean", func() (*Figure, error) {
			return ErrorVsRank([]StudyPoint{{Mode: "m", Rank: 1, ErrMean: math.NaN()}}, 0)
		}},
		{"neg std", "ErrStd=-1", func() (*Figure, error) {
			return ErrorVsRank([]StudyPoint{{Mode: "m", Rank: 1, ErrMean: 1, ErrStd: -1}}, 0)
		}},
		{"bad dense", "dense baseline -1", func() (*Figure, error) { return TimeVsRank(study(), -1) }},
		{"bad size", "WithSize", func() (*Figure, error) { return Heatmap(ref, WithSize(0, 3*vg.Inch)) }},
	}
	for _, c := range cases {
		f, err := c.f()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got err %v (fig %v), want error containing %q", c.name, err, f != nil, c.want)
		}
	}
}

func TestSaveAndBytes(t *testing.T) {
	f, err := Spectra("l", spectra())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "fig")
	if err := f.Save(base, "png", ".SVG", "pdf"); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg", ".pdf"} {
		if st, err := os.Stat(base + ext); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", ext, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("temp files left behind: %d entries", len(entries))
	}
	if err := f.Save(base, "gif"); err == nil || !strings.Contains(err.Error(), `"gif"`) {
		t.Errorf("unknown format: %v", err)
	}
	if err := f.SavePNG(filepath.Join(dir, "missing", "sub", "x.png"), 0); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unwritable path: %v", err)
	}
	if err := f.SaveSVG(""); err == nil {
		t.Error("empty path accepted")
	}
	pdf, err := f.PDFBytes()
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("PDFBytes: %v", err)
	}
	pngB, err := f.PNGBytes(0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngB))
	if err != nil || img.Bounds().Dx() != int(f.Width.Points()*DefaultDPI/72+0.5) {
		t.Errorf("PNGBytes default dpi: %v", err)
	}
	if d := f.displayData(pngB); !bytes.Equal(d.Data[protocol.MIMEImagePNG].([]byte), pngB) ||
		d.Metadata["image/png"].(map[string]any)["width"] != 720 {
		t.Errorf("displayData: %v", d.Metadata)
	}
	if err := f.Display(); err != nil { // no-op outside a notebook
		t.Error(err)
	}
	if err := f.DisplaySVG(); err != nil {
		t.Error(err)
	}
}

func TestFigureGrid(t *testing.T) {
	if _, err := NewFigure(0, 1, vg.Inch, vg.Inch); err == nil {
		t.Error("rows=0 accepted")
	}
	fig, err := NewFigure(2, 2, 10*vg.Inch, 7*vg.Inch)
	if err != nil {
		t.Fatal(err)
	}
	fig.Title = "grid"
	a, _ := LossCurves(losses(), nil, "losses")
	b, _ := Spectra("l", spectra())
	if err := fig.SetPlot(0, 0, a.Plot(0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := fig.SetFigure(1, 1, b); err != nil {
		t.Fatal(err)
	}
	if err := fig.SetFigure(1, 0, nil); err == nil {
		t.Error("nil source accepted")
	}
	if err := fig.SetPlot(2, 0, b.Plot(0, 0)); err == nil {
		t.Error("out-of-grid SetPlot accepted")
	}
	checkFigure(t, "grid", fig, nil)
	if got := b.Plot(0, 0).Y.Label.Text; got != "σᵢ" {
		t.Errorf("log-y label not restored after drawing: %q", got)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{1e-5, 1, []string{"10^−5", "10^−4", "10^−3", "10^−2", "10^−1", "10^0"}},
		{1e-3, 10, []string{"0.001", "0.01", "0.1", "1", "10"}},
		{2e-3, 8e-3, []string{"0.002", "0.005"}},
		{1e3, 1e6, []string{"10^3", "10^4", "10^5", "10^6"}},
	} {
		var got []string
		for _, tk := range (logTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("logTicks(%g, %g) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	if got := prettyExp("2.50e-05"); got != "2.5×10^−5" {
		t.Errorf("prettyExp = %q", got)
	}
	var got []string
	for _, tk := range niceTicks(0, 0.0299, 5) {
		got = append(got, tk.Label)
	}
	if strings.Join(got, ",") != "0,0.005,0.01,0.015,0.02,0.025" {
		t.Errorf("niceTicks = %q", got)
	}
	w, h, _ := tickHandler.Box("10^−4", textStyle(tickSize).Font)
	wp, hp, _ := tickHandler.Box("10", textStyle(tickSize).Font)
	if !(w > wp && h > hp) {
		t.Errorf("superscript box %v×%v not larger than base %v×%v", w, h, wp, hp)
	}
}

// fakeClock advances by step on every call.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestProgressLines(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 2000, "adam")
	if p.mode != lineMode {
		t.Fatalf("mode = %v, want line mode for a bytes.Buffer", p.mode)
	}
	clk := &fakeClock{t: time.Unix(0, 0), step: 10 * time.Millisecond}
	p.now = clk.now
	for s := 0; s <= 1200; s++ {
		p.Update(s, 1.23e-3)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 { // 200, 400, …, 1200
		t.Fatalf("got %d lines, want 6:\n%s", len(lines), out)
	}
	want := "adam [############........] 1200/2000  100 steps/s  loss 1.23e-03  eta 8s"
	if lines[5] != want {
		t.Errorf("last line\n got %q\nwant %q", lines[5], want)
	}
	if strings.Contains(out, "\r") {
		t.Error("carriage return written to a non-terminal")
	}
	p.Done()
	p.Done()
	p.Update(1500, 1)
	if n := strings.Count(buf.String(), "\n"); n != 7 {
		t.Errorf("after Done: %d lines, want 7", n)
	}
}

func TestProgressTerminalAndHTML(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 100, "")
	p.mode = terminalMode // simulate a tty
	clk := &fakeClock{t: time.Unix(0, 0), step: 200 * time.Millisecond}
	p.now = clk.now
	p.Update(0, math.NaN())
	p.Update(50, 0.5)
	p.Done()
	out := buf.String()
	if !strings.HasPrefix(out, "\r[....................] 0/100  -- steps/s  loss --  eta --") {
		t.Errorf("first update: %q", out)
	}
	if !strings.Contains(out, "\r[##########..........] 50/100  125 steps/s  loss 5.00e-01  eta 0s") || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal output: %q", out)
	}
	h := p.html(clk.t)
	if !strings.Contains(h, "width:50.0%") || !strings.Contains(h, "50/100 (50%)") {
		t.Errorf("html: %s", h)
	}
	// Unknown total.
	buf.Reset()
	q := NewProgress(&buf, 0, "lbfgs")
	q.Every = 5
	q.now = clk.now
	for s := 1; s <= 10; s++ {
		q.Update(s, 1)
	}
	if got := strings.Count(buf.String(), "\n"); got != 2 || !strings.Contains(buf.String(), "lbfgs 5 steps") {
		t.Errorf("unknown total: %q", buf.String())
	}
	if NewProgress(nil, 1, "x") == nil {
		t.Error("nil writer")
	}
	if fmtETA(3725*time.Second) != "1h02m" || fmtETA(65*time.Second) != "1m05s" {
		t.Error("fmtETA")
	}
}

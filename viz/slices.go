package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// TimeSlices draws, for each requested time tₖ, one panel with the prediction
// u(x, tₖ) (solid) and the reference (dashed) against x, the figure everyone expects of
// a space–time PINN (Raissi, Perdikaris & Karniadakis 2019, Burgers). pred and ref
// must share one grid with x along X and t along Y; each tₖ is taken at the nearest
// grid time, which the panel's title states with max |pred − ref| on that slice. The
// legend is right of the last panel. Options: WithTitle, WithSize (default 4.2 in per
// panel × 3.6 in), WithXLabel, WithYLabel.
//
// It returns an error if times is empty or outside the grid's time range, or the
// fields are invalid or on different grids.
func TimeSlices(pred, ref Field2D, times []float64, opts ...Option) (*Figure, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if err := validPair(pred, ref); err != nil {
		return nil, err
	}
	if len(times) == 0 {
		return nil, fmt.Errorf("viz: TimeSlices: no times")
	}
	t0, t1 := pred.Y[0], pred.Y[len(pred.Y)-1]
	w, h := o.size(vg.Length(len(times))*4.2*vg.Inch, 3.6*vg.Inch)
	fig := &Figure{Width: w, Height: h, rows: 1, cols: len(times), Title: o.title}
	xl, yl := orDefault(o.xLabel, orDefault(pred.XLabel, "x")), orDefault(o.yLabel, "u")
	tName := orDefault(pred.YLabel, "t")
	lb := newLegendBox()
	for k, t := range times {
		if !(t >= math.Min(t0, t1) && t <= math.Max(t0, t1)) {
			return nil, fmt.Errorf("viz: TimeSlices: time %v outside the grid's [%v, %v]", t, t0, t1)
		}
		j := 0
		for i, y := range pred.Y {
			if math.Abs(y-t) < math.Abs(pred.Y[j]-t) {
				j = i
			}
		}
		pp, rp := make(plotter.XYs, 0, len(pred.X)), make(plotter.XYs, 0, len(pred.X))
		maxErr := 0.0
		for i, x := range pred.X {
			u, r := pred.Z[i][j], ref.Z[i][j]
			if isFinite(u) {
				pp = append(pp, plotter.XY{X: x, Y: u})
			}
			if isFinite(r) {
				rp = append(rp, plotter.XY{X: x, Y: r})
			}
			if d := math.Abs(u - r); isFinite(d) {
				maxErr = math.Max(maxErr, d)
			}
		}
		if len(pp) == 0 || len(rp) == 0 {
			return nil, fmt.Errorf("viz: TimeSlices: no finite value at %s = %v", tName, pred.Y[j])
		}
		p := newPlot(fmt.Sprintf("%s = %.3g, max |error| %s", tName, pred.Y[j], shortSci(maxErr)), xl, yl)
		p.Add(grid())
		lr, err := plotter.NewLine(rp)
		if err != nil {
			return nil, fmt.Errorf("viz: TimeSlices: %w", err)
		}
		lr.LineStyle = dashed(refColor, 1.6)
		lp, err := plotter.NewLine(pp)
		if err != nil {
			return nil, fmt.Errorf("viz: TimeSlices: %w", err)
		}
		lp.Color, lp.Width = lineColor(0), vg.Points(1.6)
		p.Add(lp, lr)
		pn := newPanel(p, nil)
		if k == len(times)-1 {
			lb.add(orDefault(pred.Name, "prediction"), lp)
			lb.add(orDefault(ref.Name, "reference"), lr)
			pn.side = lb
		}
		fig.panels = append(fig.panels, pn)
	}
	return fig, nil
}

package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
)

// Option customises a figure constructor. Options that do not apply to a
// given constructor are ignored by it.
type Option func(*options)

// options is the resolved set of optional settings.
type options struct {
	title          string
	width, height  vg.Length
	xLabel, yLabel string
	cmap           palette.ColorMap
	zMin, zMax     float64
	zRangeSet      bool
	threshold      float64
	thresholdSet   bool
	err            error
}

// collect applies opts in order and returns the result, or the first error
// recorded by an option.
func collect(opts []Option) (*options, error) {
	o := &options{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	return o, nil
}

// setErr records the first option error.
func (o *options) setErr(err error) {
	if o.err == nil {
		o.err = err
	}
}

// size returns the requested figure size or the given default.
func (o *options) size(w, h vg.Length) (vg.Length, vg.Length) {
	if o.width > 0 && o.height > 0 {
		return o.width, o.height
	}
	return w, h
}

// orDefault returns s unless it is empty, in which case def is returned.
func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// WithTitle sets the plot title (for multi-panel figures: the figure title
// drawn above all panels).
func WithTitle(title string) Option {
	return func(o *options) { o.title = title }
}

// WithSize sets the overall figure size, e.g. WithSize(6*vg.Inch, 4*vg.Inch).
// Both lengths must be positive and finite.
func WithSize(width, height vg.Length) Option {
	return func(o *options) {
		if !(width > 0 && height > 0) || math.IsInf(float64(width), 0) || math.IsInf(float64(height), 0) {
			o.setErr(fmt.Errorf("viz: WithSize: width=%v and height=%v must be positive and finite", width, height))
			return
		}
		o.width, o.height = width, height
	}
}

// WithXLabel overrides the x-axis label.
func WithXLabel(label string) Option {
	return func(o *options) { o.xLabel = label }
}

// WithYLabel overrides the y-axis label.
func WithYLabel(label string) Option {
	return func(o *options) { o.yLabel = label }
}

// WithColorMap sets the colour map of heat maps (default [Viridis]). The
// map is sampled once while the figure is built; its Min and Max are
// overwritten in the process.
func WithColorMap(cm palette.ColorMap) Option {
	return func(o *options) {
		if cm == nil {
			o.setErr(fmt.Errorf("viz: WithColorMap: colour map is nil"))
			return
		}
		o.cmap = cm
	}
}

// WithZRange fixes the colour range [min, max] of heat maps instead of
// using the data range; values outside are clamped to the end colours.
// It requires finite min < max.
func WithZRange(min, max float64) Option {
	return func(o *options) {
		if !isFinite(min) || !isFinite(max) || !(min < max) {
			o.setErr(fmt.Errorf("viz: WithZRange: need finite min < max, got min=%g max=%g", min, max))
			return
		}
		o.zMin, o.zMax, o.zRangeSet = min, max, true
	}
}

// WithThreshold draws a dashed horizontal line at the truncation threshold
// τ on [Spectra] plots. τ must be positive and finite.
func WithThreshold(tau float64) Option {
	return func(o *options) {
		if !isFinite(tau) || tau <= 0 {
			o.setErr(fmt.Errorf("viz: WithThreshold: τ=%g must be positive and finite", tau))
			return
		}
		o.threshold, o.thresholdSet = tau, true
	}
}

// isFinite reports whether v is neither NaN nor ±Inf.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Package problems is the PDE catalogue: each problem samples its loss terms (seeded),
// may impose a hard constraint, and carries an independent reference (analytic,
// Cole–Hopf, spectral) for the error metrics. Reference numerics live in problems/ref,
// point samplers in problems/sampling.
//
// A new problem is about 30 lines: register an Entry with its equation, defaults and a
// constructor returning an *annsvd.Problem (see poisson.go and burgers.go).
package problems

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
)

// Defaults are a problem's default network and training budget.
type Defaults struct {
	Widths     []int
	Activation annsvd.Activation
	AdamSteps  int
	LBFGSIters int
	// QN is the quasi-Newton method of the LBFGSIters iterations (solve.Config.QN;
	// empty: L-BFGS).
	QN solve.QNUpdate
	LR float64
	// SVDNoBias drops the bias of SVD layers (the paper-faithful Poisson preset).
	SVDNoBias bool
	// Float64 trains in float64 (default float32).
	Float64 bool
	// Schedule is a learning-rate schedule in solve.ParseSchedule's syntax, e.g.
	// "exp:0.9:1000" or "cosine:1e-5" (empty: constant).
	Schedule string
	// Weights are per-term loss weights by term name (empty: all 1).
	Weights map[string]float64
	// Fourier, when Features > 0, is the Fourier-feature input embedding.
	Fourier annsvd.Fourier
	// PeriodicModes, when > 0, is the number M of modes of the exactly periodic input
	// embedding (annsvd.Periodic) of the problem's periodic coordinate.
	PeriodicModes int
	// RAD, when its Period is > 0, turns on residual-based adaptive sampling.
	RAD solve.RADConfig
	// RBA, when its Eta is > 0, turns on residual-based attention.
	RBA solve.RBAConfig
	// Hard builds the problem with its hard-constraint trial solution (Options.Hard;
	// problems whose Entry.Hard is set).
	Hard bool
	// Points is the number of interior collocation points (Options.Points; problems
	// whose Entry.Points is set; 0: the entry's default).
	Points int
	// Note says what a preset is for and what it reached (for listings).
	Note string
}

// Options are the construction options of problems that take them (see
// Entry.NewWith); the zero value means the problem's defaults.
type Options struct {
	// Dim is the spatial dimension d of dimension-generic problems (poisson-nd).
	Dim int `json:"dim,omitempty"`
	// Widths are the hidden widths the problem will be trained with, used to estimate
	// the memory of a training step before anything is allocated.
	Widths []int `json:"widths,omitempty"`
	// MaxMemory bounds that estimate in bytes (0: DefaultMaxMemory).
	MaxMemory int64 `json:"max_memory,omitempty"`
	// Hard imposes the initial and boundary conditions exactly through a trial
	// solution u = A + B·N (their loss terms are then dropped); only problems whose
	// Entry.Hard is set accept it.
	Hard bool `json:"hard,omitempty"`
	// Points is the number of interior collocation points (PDE residual) of problems
	// whose Entry.Points is set, at most MaxPoints (0: Entry.Points).
	Points int `json:"points,omitempty"`
}

// MaxPoints bounds Options.Points (2²² interior points, ≈ 64 MiB of float64
// coordinates per dimension before any activations).
const MaxPoints = 1 << 22

// DefaultMaxMemory is the default bound on a problem's estimated training memory
// (8 GiB).
const DefaultMaxMemory int64 = 8 << 30

// Entry is a catalogue entry.
type Entry struct {
	Name     string
	Equation string
	// About is a short description (domain, conditions, reference, points).
	About    string
	Defaults Defaults
	// New builds the problem with its defaults.
	New func() (*annsvd.Problem, error)
	// NewWith, when set, builds the problem with options (e.g. the dimension); New
	// is then NewWith(Options{}).
	NewWith func(Options) (*annsvd.Problem, error)
	// Presets are named alternatives to Defaults (e.g. "accurate"); a preset replaces
	// the defaults wholesale and command-line flags still override it.
	Presets map[string]Defaults
	// Hard describes the hard-constraint variant (Options.Hard), e.g. its trial
	// solution; empty when the problem has none.
	Hard string
	// Points is the default number of interior collocation points of problems that
	// accept Options.Points; 0 when the point set is fixed.
	Points int
}

// Build constructs the problem with opts: through NewWith when the entry takes
// options, else through New (then only the zero Dim is accepted).
func (e Entry) Build(opts Options) (*annsvd.Problem, error) {
	if opts.Hard && e.Hard == "" {
		return nil, fmt.Errorf("problems: %s has no hard-constraint variant (option hard)", e.Name)
	}
	if opts.Points != 0 {
		if e.Points == 0 {
			return nil, fmt.Errorf("problems: %s has a fixed point set: option points %d not accepted", e.Name, opts.Points)
		}
		if opts.Points < 1 || opts.Points > MaxPoints {
			return nil, fmt.Errorf("problems: %s interior points %d out of range [1, %d]", e.Name, opts.Points, MaxPoints)
		}
	}
	if e.NewWith != nil {
		return e.NewWith(opts)
	}
	if err := fixedDim(e.Name, opts); err != nil {
		return nil, err
	}
	return e.New()
}

// fixedDim rejects the dimension option for a problem of fixed dimension.
func fixedDim(name string, opts Options) error {
	if opts.Dim != 0 {
		return fmt.Errorf("problems: %s has a fixed dimension: option dim %d not accepted", name, opts.Dim)
	}
	return nil
}

// Preset returns the named preset's defaults; "" or "default" is Defaults.
func (e Entry) Preset(name string) (Defaults, error) {
	if name == "" || name == "default" {
		return e.Defaults, nil
	}
	d, ok := e.Presets[name]
	if !ok {
		known := []string{"default"}
		for k := range e.Presets {
			known = append(known, k)
		}
		sort.Strings(known[1:])
		return Defaults{}, fmt.Errorf("problems: %s has no preset %q (known: %s)", e.Name, name, strings.Join(known, ", "))
	}
	return d, nil
}

var registry = map[string]Entry{}

// Register adds an entry to the catalogue (panics on a duplicate name: a programming error).
func Register(e Entry) {
	if e.New == nil && e.NewWith != nil {
		nw := e.NewWith
		e.New = func() (*annsvd.Problem, error) { return nw(Options{}) }
	}
	if _, dup := registry[e.Name]; dup {
		panic(fmt.Sprintf("problems: %q registered twice", e.Name))
	}
	registry[e.Name] = e
}

// Names lists the registered problems, sorted.
func Names() []string {
	var n []string
	for k := range registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Get returns the entry of a problem by name, or an error listing the known names.
func Get(name string) (Entry, error) {
	e, ok := registry[name]
	if !ok {
		return Entry{}, fmt.Errorf("problems: unknown problem %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return e, nil
}

// New builds a problem by name.
func New(name string) (*annsvd.Problem, error) {
	e, err := Get(name)
	if err != nil {
		return nil, err
	}
	return e.New()
}

// Net returns the network configuration of the defaults (widths, activation, Fourier
// embedding; one output, all layers dense).
func (d Defaults) Net() annsvd.Config {
	return annsvd.Config{Widths: slices.Clone(d.Widths), Activation: d.Activation, Outputs: 1, Fourier: d.Fourier}
}

// Train returns the training configuration of the defaults with the given seed: budget,
// quasi-Newton method, learning rate, weights, precision, RBA, and hooks for the schedule
// (over the run's Adam steps, so callers may change AdamSteps) and for RAD. It is
// Resolve's configuration without overrides, for problems outside the catalogue.
func (d Defaults) Train(seed uint64) (solve.Config, error) {
	o := &Overrides{Seed: int64(seed)}
	c, err := o.trainConfig(d)
	if err != nil {
		return c, err
	}
	return c, o.hooks(d, &c)
}

// Configure builds the problem of preset ("" or "default": the defaults) with the given
// seed exactly as `annsvd train -problem NAME -preset PRESET` does (Resolve without
// overrides): the problem with the preset's hard constraint and point count, its network
// (the periodic embedding on the problem's periodic coordinate) and its training
// configuration (budget, quasi-Newton method, schedule, RAD, RBA, precision; the weights
// of terms the hard constraint removed are dropped). The network is dense; set its SVD
// layers before training.
func (e Entry) Configure(preset string, seed uint64) (*annsvd.Problem, annsvd.Config, solve.Config, error) {
	o := NewOverrides(e.Name)
	o.Preset, o.Seed = preset, int64(seed)
	return o.configure(seed)
}

// ConfigureDefaults is Configure with explicit defaults d (e.g. a preset with a smaller
// budget).
func (e Entry) ConfigureDefaults(d Defaults, seed uint64) (*annsvd.Problem, annsvd.Config, solve.Config, error) {
	o := NewOverrides(e.Name)
	o.Defaults, o.Seed = &d, int64(seed)
	return o.configure(seed)
}

// Setup is Configure (seed 1) of the named problem and preset with spec on the paper's
// SVD placement (the first hidden-to-hidden map, annsvd.DefaultSVD, with the preset's SVD
// bias setting); Dense leaves the network dense.
func Setup(name, preset string, spec annsvd.LayerSpec) (*annsvd.Problem, annsvd.Config, solve.Config, error) {
	e, err := Get(name)
	if err != nil {
		return nil, annsvd.Config{}, solve.Config{}, err
	}
	p, net, cfg, err := e.Configure(preset, 1)
	if err != nil || spec.Mode == annsvd.Dense {
		return p, net, cfg, err
	}
	d, _ := e.Preset(preset)
	spec.NoBias = d.SVDNoBias
	net.SVD = annsvd.DefaultSVD(spec)
	return p, net, cfg, nil
}

// configure resolves the overrides with a dense network; seed is the seed they carry
// (Overrides.Seed holds seeds below 2⁶³).
func (o *Overrides) configure(seed uint64) (*annsvd.Problem, annsvd.Config, solve.Config, error) {
	if seed > math.MaxInt64 {
		return nil, annsvd.Config{}, solve.Config{}, fmt.Errorf("problems: seed %d out of range [0, 2⁶³)", seed)
	}
	j, err := Resolve(o, annsvd.LayerSpec{})
	if err != nil {
		return nil, annsvd.Config{}, solve.Config{}, err
	}
	j.Net.SVD = nil
	return j.Problem, j.Net, j.Train, nil
}

// WeightsOfTerms returns the weights of w whose terms p has (with the given seed): a
// preset's weights of the condition terms a hard constraint imposes exactly have no term
// left to weigh.
func WeightsOfTerms(p *annsvd.Problem, seed uint64, w map[string]float64) (map[string]float64, error) {
	if len(w) == 0 {
		return w, nil
	}
	terms, err := p.Terms(seed)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, t := range terms {
		if v, ok := w[t.Name]; ok {
			out[t.Name] = v
		}
	}
	return out, nil
}

// PeriodicCoord returns the index of p's first periodic coordinate (see
// annsvd.Problem.Periods), or −1 when p is periodic in none.
func PeriodicCoord(p *annsvd.Problem) int {
	return slices.IndexFunc(p.Periods, func(v float64) bool { return v > 0 })
}

// Periodic returns the names of the problems periodic in some coordinate (built with
// their defaults; see annsvd.Problem.Periods).
func Periodic() []string {
	var out []string
	for _, name := range Names() {
		p, err := registry[name].Build(Options{})
		if err == nil && PeriodicCoord(p) >= 0 {
			out = append(out, name)
		}
	}
	return out
}

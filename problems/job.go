package problems

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Overrides are the settings of a training job that replace its problem's preset: the
// one path from a problem, a preset and overrides to a complete training configuration
// (Resolve), shared by annsvd train and compare (which bind the fields to their flags
// with RegisterFlags), Entry.Configure, the notebooks, annsvd figures and study.
//
// Each field is named after its flag. String fields count when not empty (a flag given
// with an empty value is refused); Seed, Dim and the layer spec (Mode, Rank, Threshold,
// Relative) always count; the other numeric and boolean fields count only when Given
// holds their flag's name, so that an override may be a zero value (-adam 0).
// NewOverrides gives the flags' defaults for the fields whose zero value is not the
// default.
type Overrides struct {
	Problem, Preset string
	// Defaults, when set, replace the preset's defaults (for code: a preset with a
	// smaller budget, say).
	Defaults *Defaults
	// Mode, Rank, Threshold and Relative give the SVD layer spec (annsvd train -mode).
	Mode      string
	Rank      int
	Threshold float64
	Relative  bool
	// SVDLayers are the hidden-to-hidden maps to factorise (ParseSVDLayers).
	SVDLayers, Product                   string
	SVDBias                              bool
	Widths, Activation, DType, Deriv, QN string
	Schedule, Weights                    string
	Fourier, Periodic                    int
	FourierSigma                         float64
	Adam, LBFGS, QNIters, QNMaxParams    int
	LBFGSHistory, LogEvery, Workers      int
	Seed                                 int64
	LR, MaxMemoryGiB                     float64
	Dim, Points, Resample, Adaptive      int
	AdaptiveAlpha                        float64
	Hard                                 bool
	RAD                                  solve.RADConfig
	RBA                                  solve.RBAConfig
	Checkpoint, Resume, Reference        string
	Every, Keep                          int
	// Given holds the names of the overrides set (the flags given on a command line).
	Given map[string]bool
}

// NewOverrides returns the overrides of the given problem with every setting at its
// default (nothing Given: the problem's defaults).
func NewOverrides(problem string) *Overrides {
	return &Overrides{Problem: problem, Mode: "dense", SVDLayers: "1", Product: "auto", SVDBias: true,
		DType: "float32", Deriv: "forward", FourierSigma: 1, QNMaxParams: solve.DefaultQNMaxParams,
		LBFGSHistory: solve.DefaultLBFGSHistory, Seed: 1, MaxMemoryGiB: float64(solve.DefaultMaxMemory) / (1 << 30),
		AdaptiveAlpha: 0.9, RAD: solve.RADConfig{K: 1, C: 1}, RBA: solve.RBAConfig{Gamma: 0.999},
		Every: solve.DefaultCheckpointEvery, Keep: solve.DefaultKeep, Given: map[string]bool{}}
}

// Set marks the named overrides as given (for callers that fill the fields in code).
func (o *Overrides) Set(names ...string) *Overrides {
	if o.Given == nil {
		o.Given = map[string]bool{}
	}
	for _, n := range names {
		o.Given[n] = true
	}
	return o
}

func (o *Overrides) given(name string) bool { return o.Given[name] }

// Job is a fully resolved training job.
type Job struct {
	Entry Entry
	// Options are the options the problem was built with.
	Options Options
	Problem *annsvd.Problem
	Net     annsvd.Config
	Train   solve.Config
	Spec    annsvd.LayerSpec
	// Checkpointer is the checkpoint hook (in Train.Hooks) when Checkpoint is set.
	Checkpointer *solve.Checkpointer
	// Skipped name the unreadable checkpoints newer than the one Resume continues from.
	Skipped []string
}

// LayerSpec returns the layer spec of Mode, Rank, Threshold and Relative, refusing a rank
// or threshold given with a mode that does not use it.
func (o *Overrides) LayerSpec() (annsvd.LayerSpec, error) {
	if err := o.checkNotEmpty(); err != nil {
		return annsvd.LayerSpec{}, err
	}
	mode, err := annsvd.ParseMode(o.Mode)
	if err != nil {
		return annsvd.LayerSpec{}, err
	}
	if mode != annsvd.Compact && o.given("rank") {
		return annsvd.LayerSpec{}, fmt.Errorf("-rank %d given with -mode %s: -rank applies to -mode compact", o.Rank, mode)
	}
	if mode != annsvd.Truncated && o.given("threshold") {
		return annsvd.LayerSpec{}, fmt.Errorf("-threshold %v given with -mode %s: -threshold applies to -mode truncated", o.Threshold, mode)
	}
	return annsvd.LayerSpec{Mode: mode, Rank: o.Rank, Threshold: o.Threshold, Relative: o.Relative}, nil
}

// Resolve turns the overrides (over the problem's preset) into a job whose hidden maps
// are factorised with spec, validating every value: the network and its memory, the
// hooks, and the checkpoint to resume from are all checked before anything trains.
func Resolve(o *Overrides, spec annsvd.LayerSpec) (*Job, error) {
	if err := o.checkNotEmpty(); err != nil {
		return nil, err
	}
	entry, err := Get(o.Problem)
	if err != nil {
		return nil, err
	}
	d, err := entry.Preset(o.Preset)
	if err != nil {
		return nil, err
	}
	if o.Defaults != nil {
		d = *o.Defaults
	}
	j := &Job{Entry: entry}
	if j.Train, err = o.trainConfig(d); err != nil {
		return nil, err
	}
	if err := o.hooks(d, &j.Train); err != nil {
		return nil, err
	}
	if err := o.network(d, spec, j); err != nil {
		return nil, err
	}
	if err := o.build(d, j); err != nil {
		return nil, err
	}
	if _, err := solve.CheckNetwork(j.Problem, j.Net, j.Train); err != nil {
		return nil, err
	}
	if err := solve.CheckHooks(j.Problem, j.Train); err != nil {
		return nil, err
	}
	return j, o.reliability(j)
}

// checkNotEmpty refuses a string flag given with an empty value (which would otherwise
// silently mean "the default").
func (o *Overrides) checkNotEmpty() error {
	for _, name := range []string{"problem", "mode", "widths", "activation", "svd-layers", "dtype", "deriv"} {
		if o.given(name) && o.stringField(name) == "" {
			return fmt.Errorf("-%s is empty", name)
		}
	}
	return nil
}

// stringField returns the string override of a flag name that must not be empty.
func (o *Overrides) stringField(name string) string {
	return map[string]string{"problem": o.Problem, "mode": o.Mode, "widths": o.Widths, "activation": o.Activation,
		"svd-layers": o.SVDLayers, "dtype": o.DType, "deriv": o.Deriv}[name]
}

// trainConfig resolves the budgets, optimizer settings, precision and limits.
func (o *Overrides) trainConfig(d Defaults) (solve.Config, error) {
	c := solve.Config{AdamSteps: d.AdamSteps, LBFGSIters: d.LBFGSIters, LR: d.LR, QN: d.QN, RBA: d.RBA,
		QNMaxParams: solve.DefaultQNMaxParams, LBFGSHistory: solve.DefaultLBFGSHistory, MaxMemory: solve.DefaultMaxMemory}
	ints := []struct {
		name string
		v    int
		min  int
		dst  *int
		need string
	}{
		{"adam", o.Adam, 0, &c.AdamSteps, "need ≥ 0 steps"},
		{"lbfgs", o.LBFGS, 0, &c.LBFGSIters, "need ≥ 0 iterations"},
		{"qn-iters", o.QNIters, 0, &c.LBFGSIters, "need ≥ 0 iterations"},
		{"qn-max-params", o.QNMaxParams, 1, &c.QNMaxParams, "need ≥ 1"},
		{"lbfgs-history", o.LBFGSHistory, 1, &c.LBFGSHistory, "need ≥ 1 pairs"},
		{"log-every", o.LogEvery, 0, &c.LogEvery, "need ≥ 1"},
	}
	for _, it := range ints {
		if !o.given(it.name) {
			continue
		}
		if it.v < it.min {
			return c, fmt.Errorf("-%s %d out of range: %s", it.name, it.v, it.need)
		}
		*it.dst = it.v
	}
	if o.given("lbfgs") && o.given("qn-iters") && o.LBFGS != o.QNIters {
		return c, fmt.Errorf("-lbfgs %d and -qn-iters %d disagree: give one of them", o.LBFGS, o.QNIters)
	}
	var err error
	if o.QN != "" {
		if c.QN, err = solve.ParseQNUpdate(o.QN); err != nil {
			return c, err
		}
	}
	if o.given("lr") {
		if !(o.LR > 0) || math.IsInf(o.LR, 0) {
			return c, fmt.Errorf("-lr %v out of range: need a finite learning rate > 0", o.LR)
		}
		c.LR = o.LR
	}
	if o.Seed < 0 {
		return c, fmt.Errorf("-seed %d out of range: need ≥ 0", o.Seed)
	}
	c.Seed = uint64(o.Seed)
	if o.given("workers") {
		if err := engine.CheckWorkers(o.Workers); err != nil {
			return c, fmt.Errorf("-%w", err)
		}
		c.Workers = o.Workers
	}
	if o.given("max-memory") {
		if !(o.MaxMemoryGiB > 0) || o.MaxMemoryGiB > 1<<20 {
			return c, fmt.Errorf("-max-memory %v out of range: need 0 < GiB ≤ %d", o.MaxMemoryGiB, 1<<20)
		}
		c.MaxMemory = int64(o.MaxMemoryGiB * (1 << 30))
	}
	dt := o.DType
	if d.Float64 && !o.given("dtype") {
		dt = "float64"
	}
	if c.DType, err = ParseDType(cmp.Or(dt, "float32")); err != nil { // "": set from code
		return c, err
	}
	if c.Deriv, err = annsvd.ParseDerivMethod(cmp.Or(o.Deriv, "forward")); err != nil {
		return c, err
	}
	return c, nil
}

// ParseDType parses a -dtype value: float32 or float64.
func ParseDType(s string) (dtypes.DType, error) {
	switch s {
	case "float32":
		return dtypes.Float32, nil
	case "float64":
		return dtypes.Float64, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("-dtype %q: allowed float32, float64", s)
}

// network resolves the widths, activation, SVD layers and input embeddings.
func (o *Overrides) network(d Defaults, spec annsvd.LayerSpec, j *Job) error {
	widths := slices.Clone(d.Widths)
	var err error
	if o.Widths != "" {
		if widths, err = ParseInts("widths", o.Widths); err != nil {
			return err
		}
		for _, w := range widths {
			if w < 1 {
				return fmt.Errorf("-widths %q: width %d out of range: need ≥ 1", o.Widths, w)
			}
		}
	}
	act := d.Activation
	if o.Activation != "" {
		if act, err = annsvd.ParseActivation(o.Activation); err != nil {
			return err
		}
	}
	spec.NoBias = d.SVDNoBias
	if o.given("svd-bias") {
		spec.NoBias = !o.SVDBias
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	svd, err := ParseSVDLayers(cmp.Or(o.SVDLayers, "1"), spec, widths)
	if err != nil {
		return err
	}
	product, err := annsvd.ParseProduct(cmp.Or(o.Product, "auto"))
	if err != nil {
		return err
	}
	fourier, err := o.fourier(d)
	if err != nil {
		return err
	}
	periodic := annsvd.Periodic{Modes: d.PeriodicModes}
	if o.given("periodic") {
		if o.Periodic < 0 {
			return fmt.Errorf("-periodic %d out of range: need M ≥ 1 modes (0: off)", o.Periodic)
		}
		periodic.Modes = o.Periodic
	}
	j.Spec = spec
	j.Net = annsvd.Config{Widths: widths, Activation: act, Outputs: 1, SVD: svd, Product: product, Fourier: fourier, Periodic: periodic}
	return nil
}

// fourier resolves the Fourier-feature embedding.
func (o *Overrides) fourier(d Defaults) (annsvd.Fourier, error) {
	f := d.Fourier
	switch {
	case o.given("fourier"):
		if o.Fourier < 0 {
			return f, fmt.Errorf("-fourier %d out of range: need m ≥ 1 features (0: off)", o.Fourier)
		}
		f = annsvd.Fourier{Features: o.Fourier, Sigma: o.FourierSigma}
	case o.given("fourier-sigma"):
		if f.Features == 0 {
			return f, errors.New("-fourier-sigma needs -fourier M")
		}
		f.Sigma = o.FourierSigma
	}
	return f, nil
}

// build builds the problem (dimension, hard constraint, point count) and completes the
// parts of the job that depend on it: the periodic coordinate and the weights of the
// terms a hard constraint leaves.
func (o *Overrides) build(d Defaults, j *Job) error {
	if o.Dim < 0 || (o.given("dim") && o.Dim < 1) {
		return fmt.Errorf("-dim %d out of range: need ≥ 1", o.Dim)
	}
	hard, points := d.Hard, d.Points
	if o.given("hard") {
		hard = o.Hard
	}
	if o.given("points") {
		if o.Points < 1 || o.Points > MaxPoints {
			return fmt.Errorf("-points %d out of range [1, %d]", o.Points, MaxPoints)
		}
		points = o.Points
	}
	j.Options = Options{Dim: o.Dim, Widths: j.Net.Widths, Hard: hard, Points: points}
	var err error
	if j.Problem, err = j.Entry.Build(j.Options); err != nil {
		return err
	}
	if m := j.Net.Periodic.Modes; m > 0 {
		if j.Net.Periodic.Coord = PeriodicCoord(j.Problem); j.Net.Periodic.Coord < 0 {
			return fmt.Errorf("-periodic %d: problem %s is not periodic in any coordinate (periodic ones: %s)", m, j.Entry.Name, strings.Join(Periodic(), ", "))
		}
	}
	if hard && !o.given("weights") {
		j.Train.Weights, err = WeightsOfTerms(j.Problem, j.Train.Seed, j.Train.Weights)
	}
	return err
}

// ParseInts parses a comma list of integers given to flag -name.
func ParseInts(name, s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("-%s %q: %q is not an integer", name, s, p)
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseFloats parses a comma list of numbers given to flag -name.
func ParseFloats(name, s string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("-%s %q: %q is not a number", name, s, p)
		}
		out = append(out, v)
	}
	return out, nil
}

// JoinInts formats xs as ParseInts reads them: "20,20,20".
func JoinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// ParseSVDLayers parses -svd-layers: "all", a comma list of hidden-to-hidden indices j
// (each factorised with spec), or per-layer specs "j:mode[:arg]", e.g.
// "1:compact:8,2:truncated:0.3" (truncated:0.3r is relative to σ₁); plain indices and
// per-layer specs may be mixed. Indices must lie in [1, len(widths)−1] and appear once.
// Dense entries factorise nothing.
func ParseSVDLayers(s string, spec annsvd.LayerSpec, widths []int) (map[int]annsvd.LayerSpec, error) {
	hh := len(widths) - 1
	noMap := fmt.Errorf("-widths %v has no hidden-to-hidden map to factorise: need ≥ 2 hidden layers", widths)
	if strings.TrimSpace(s) == "all" {
		s = ""
		for i := 1; i <= max(hh, 1); i++ {
			s += "," + strconv.Itoa(i)
		}
		s = s[1:]
	}
	svd := map[int]annsvd.LayerSpec{}
	var layers []int
	for _, item := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		l, err := strconv.Atoi(parts[0])
		if err != nil {
			return nil, fmt.Errorf("-svd-layers %q: %q is not an integer layer index", s, parts[0])
		}
		if slices.Contains(layers, l) {
			return nil, fmt.Errorf("-svd-layers %q: layer %d given twice", s, l)
		}
		ls := spec
		if len(parts) > 1 {
			if ls, err = annsvd.ParseLayerSpec(strings.Join(parts[1:], ":")); err != nil {
				return nil, fmt.Errorf("-svd-layers %q: layer %d: %v", s, l, err)
			}
			ls.NoBias = spec.NoBias
		}
		layers = append(layers, l)
		if ls.Mode == annsvd.Dense {
			continue
		}
		if hh < 1 {
			return nil, noMap
		}
		if l < 1 || l > hh {
			return nil, fmt.Errorf("-svd-layers %q: layer %d out of range [1, %d]", s, l, hh)
		}
		svd[l] = ls
	}
	return svd, nil
}

// ParseModeList parses a comma list of layer specs, e.g. "dense,thin,compact:3,truncated:0.5"
// (truncated:0.1r is relative), given to flag -name.
func ParseModeList(name, s string) ([]annsvd.LayerSpec, error) {
	var specs []annsvd.LayerSpec
	for _, item := range strings.Split(s, ",") {
		spec, err := annsvd.ParseLayerSpec(item)
		if err != nil {
			return nil, fmt.Errorf("-%s %q: %w", name, s, err)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// ParseWeights parses loss weights by term, "bc=10,ic=10" (each finite ≥ 0).
func ParseWeights(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, kv := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("-weights %q: %q is not term=value", s, kv)
		}
		w, err := strconv.ParseFloat(val, 64)
		if err != nil || !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("-weights %q: weight %q of term %s out of range: need a finite weight ≥ 0", s, val, name)
		}
		out[name] = w
	}
	return out, nil
}

// RegisterFlags binds the overrides to flags of fs, with the current values as the
// defaults and the flag names of annsvd train; train adds -mode, -rank, -threshold,
// -relative and the checkpoint flags. After fs.Parse, MarkGiven records the flags set.
func (o *Overrides) RegisterFlags(fs *flag.FlagSet, train bool) {
	o.registerNetwork(fs, train)
	o.registerTraining(fs)
	o.registerFeatures(fs)
	if train {
		o.registerReliability(fs)
	}
}

// MarkGiven records the flags of fs set on its command line as given.
func (o *Overrides) MarkGiven(fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) { o.Set(f.Name) })
}

// hooks completes the training configuration with the preset's (or the overrides')
// weights, schedule, adaptive weights, RAD, RBA and resampling.
func (o *Overrides) hooks(d Defaults, c *solve.Config) error {
	c.Weights = maps.Clone(d.Weights)
	if o.Weights != "" {
		w, err := ParseWeights(o.Weights)
		if err != nil {
			return err
		}
		c.Weights = w
	}
	sched := d.Schedule
	if o.given("schedule") {
		sched = o.Schedule
	}
	h, err := solve.ParseSchedule(sched, cmp.Or(c.LR, solve.DefaultLR), 0)
	if err != nil {
		return err
	}
	if h != nil {
		c.Hooks = append(c.Hooks, h)
	}
	if o.given("adaptive") {
		if o.Adaptive < 1 {
			return fmt.Errorf("-adaptive %d out of range: need a period ≥ 1 steps", o.Adaptive)
		}
		a, err := solve.NewAdaptiveWeights(o.Adaptive, o.AdaptiveAlpha, "pde")
		if err != nil {
			return err
		}
		c.Hooks = append(c.Hooks, a)
	}
	if err := o.rad(d.RAD, c); err != nil {
		return err
	}
	if err := o.rba(d.RBA, c); err != nil {
		return err
	}
	if o.given("resample") {
		h, err := solve.Resample(o.Resample)
		if err != nil {
			return err
		}
		c.Hooks = append(c.Hooks, h)
	}
	return nil
}

// rad adds the residual-based adaptive sampling hook of the preset or the overrides.
func (o *Overrides) rad(rad solve.RADConfig, c *solve.Config) error {
	if o.given("rad") {
		if rad.Period = o.RAD.Period; rad.Period < 1 {
			return fmt.Errorf("-rad %d out of range: need a period ≥ 1 steps", o.RAD.Period)
		}
	}
	if o.given("rad-lbfgs") {
		if o.RAD.LBFGSEvery < 1 {
			return fmt.Errorf("-rad-lbfgs %d out of range: need ≥ 1 iterations per round", o.RAD.LBFGSEvery)
		}
		rad.LBFGSEvery = o.RAD.LBFGSEvery
	}
	for _, name := range []string{"rad-pool", "rad-k", "rad-c", "rad-keep"} {
		if o.given(name) && rad.Period == 0 && rad.LBFGSEvery == 0 {
			return fmt.Errorf("-%s needs -rad N or -rad-lbfgs N", name)
		}
	}
	if o.given("rad-pool") {
		if o.RAD.Pool < 1 {
			return fmt.Errorf("-rad-pool %d out of range: need ≥ 1 candidates", o.RAD.Pool)
		}
		rad.Pool = o.RAD.Pool
	}
	if o.given("rad-k") {
		if rad.K = o.RAD.K; !(rad.K > 0) {
			return fmt.Errorf("-rad-k %v out of range: need k > 0", o.RAD.K)
		}
	}
	if o.given("rad-c") {
		if !(o.RAD.C >= 0) || math.IsInf(o.RAD.C, 0) {
			return fmt.Errorf("-rad-c %v out of range: need a finite c ≥ 0", o.RAD.C)
		}
		if rad.C = o.RAD.C; rad.C == 0 {
			rad.C = -1 // RADConfig: negative means c = 0
		}
	}
	if o.given("rad-keep") {
		rad.Keep = o.RAD.Keep
	}
	if rad.Period == 0 && rad.LBFGSEvery == 0 {
		return nil
	}
	h, err := solve.NewRAD(rad)
	if err != nil {
		return err
	}
	c.Hooks = append(c.Hooks, h)
	return nil
}

// rba sets residual-based attention from the preset or the overrides.
func (o *Overrides) rba(rba solve.RBAConfig, c *solve.Config) error {
	c.RBA = rba
	if o.given("rba") {
		if !(o.RBA.Eta >= 0) || math.IsInf(o.RBA.Eta, 0) {
			return fmt.Errorf("-rba %v out of range: need a finite η > 0 (0: off)", o.RBA.Eta)
		}
		c.RBA.Eta = o.RBA.Eta
	}
	if o.given("rba-gamma") {
		if !c.RBA.On() {
			return errors.New("-rba-gamma needs -rba η")
		}
		if !(o.RBA.Gamma >= 0 && o.RBA.Gamma < 1) {
			return fmt.Errorf("-rba-gamma %v out of range: need γ ∈ [0, 1)", o.RBA.Gamma)
		}
		if c.RBA.Gamma = o.RBA.Gamma; c.RBA.Gamma == 0 {
			c.RBA.Gamma = math.SmallestNonzeroFloat64 // RBAConfig: 0 means the default
		}
	}
	return nil
}

// reliability validates the checkpoint settings against the job, loads the reference
// grid, checks the checkpoint to resume from (recording the newer ones it skips) and
// adds the checkpoint hook.
func (o *Overrides) reliability(j *Job) error {
	if o.Checkpoint == "" {
		for _, name := range []string{"every", "keep"} {
			if o.given(name) {
				return fmt.Errorf("-%s given without -checkpoint", name)
			}
		}
	}
	if o.given("every") && o.Every < 1 {
		return fmt.Errorf("-every %d out of range: need ≥ 1 steps", o.Every)
	}
	if o.given("keep") && o.Keep < 1 {
		return fmt.Errorf("-keep %d out of range: need ≥ 1 checkpoints", o.Keep)
	}
	for _, f := range []struct{ name, value, what string }{
		{"checkpoint", o.Checkpoint, "a directory"}, {"resume", o.Resume, "a checkpoint directory"}, {"reference", o.Reference, "an .npz file"},
	} {
		if o.given(f.name) && f.value == "" {
			return fmt.Errorf("-%s is empty: need %s", f.name, f.what)
		}
	}
	if o.Reference != "" {
		if !slices.Equal(j.Problem.Coords, []string{"x", "t"}) {
			return fmt.Errorf("-reference %s: problem %s has coordinates %v, a grid reference needs (x, t)", o.Reference, j.Problem.Name, j.Problem.Coords)
		}
		es, err := LoadGridReference(o.Reference)
		if err != nil {
			return err
		}
		j.Problem.Reference = func() (*annsvd.EvalSet, error) { return es, nil }
	}
	if o.Resume != "" {
		_, skipped, err := solve.CheckResume(o.Resume, j.Problem, j.Net, j.Train)
		if err != nil {
			return err
		}
		j.Skipped, j.Train.ResumeFrom = skipped, o.Resume
	}
	if o.Checkpoint != "" {
		j.Checkpointer = &solve.Checkpointer{Dir: o.Checkpoint, Every: cmp.Or(o.Every, solve.DefaultCheckpointEvery), Keep: cmp.Or(o.Keep, solve.DefaultKeep)}
		j.Train.Hooks = append(j.Train.Hooks, j.Checkpointer)
	}
	return nil
}

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/annsvd/annsvd/problems"
	"github.com/annsvd/annsvd/viz/pinnplot"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// trainFlags are the flags shared by train and compare.
type trainFlags struct {
	fs                                                                           *flag.FlagSet
	problem, mode, activation, widths, svdLayers, dtype, deriv, out, product, qn string
	rank, fourier, periodic                                                      int
	threshold, fourierSigma                                                      float64
	relative, svdBias, quiet                                                     bool
	adam, lbfgs, qnIters, qnMax, logEvery, lbfgsHistory, workers                 int
	seed                                                                         int64
	lr, maxMemGiB                                                                float64
	px                                                                           problemFlags
	rel                                                                          reliabilityFlags
}

func newTrainFlags(name string, withMode bool) *trainFlags {
	f := &trainFlags{fs: flag.NewFlagSet("annsvd "+name, flag.ContinueOnError)}
	fs := f.fs
	fs.StringVar(&f.problem, "problem", "poisson-paper", "problem name (see 'annsvd problems'): "+strings.Join(problems.Names(), ", "))
	if withMode {
		fs.StringVar(&f.mode, "mode", "dense", "layer mode: "+annsvd.ModeNames)
		fs.IntVar(&f.rank, "rank", 0, "rank k kept by -mode compact (1 ≤ k ≤ min(m,n))")
		fs.Float64Var(&f.threshold, "threshold", 0, "threshold τ > 0 for -mode truncated: keep σ ≥ τ")
		fs.BoolVar(&f.relative, "relative", false, "make -threshold relative to σ₁ (keep σ ≥ τ·σ₁, τ ∈ (0,1])")
	}
	fs.StringVar(&f.svdLayers, "svd-layers", "1", "hidden-to-hidden maps to factorise: comma list of j (map hidden j → j+1) or 'all'")
	fs.StringVar(&f.product, "svd-product", "auto", "SVD layer evaluation order: auto (cheaper per layer), factored (((h·U)·diag(s))·Vᵀ, W never formed) or formed (W = U·diag(s)·Vᵀ once per step, then h·W); same function and gradients")
	fs.BoolVar(&f.svdBias, "svd-bias", true, "give SVD layers a bias b (default: the problem's; poisson-paper has none)")
	fs.IntVar(&f.fourier, "fourier", 0, "random Fourier-feature input embedding with m ≥ 1 features [sin(2πxB), cos(2πxB)] (0: off; default: the preset's)")
	fs.IntVar(&f.periodic, "periodic", 0, "exactly periodic input embedding [cos(2πkx/P), sin(2πkx/P)], k = 1…M, of the problem's periodic coordinate with M ≥ 1 modes (periodic problems: allen-cahn; 0: off; default: the preset's)")
	fs.Float64Var(&f.fourierSigma, "fourier-sigma", 1, "standard deviation σ > 0 of the Fourier matrix B (with -fourier)")
	fs.StringVar(&f.widths, "widths", "", "hidden widths, comma separated (default: the problem's, e.g. 20,20,20)")
	fs.StringVar(&f.activation, "activation", "", "hidden activation: "+annsvd.ActivationNames+" (default: the problem's)")
	fs.IntVar(&f.adam, "adam", 0, "Adam steps ≥ 0 (default: the problem's)")
	fs.StringVar(&f.qn, "qn", "", "quasi-Newton method after Adam, in float64: "+solve.QNNames+" (the dense ones keep a p×p inverse Hessian: p ≤ 16384 parameters; default: the problem's, lbfgs)")
	fs.IntVar(&f.qnIters, "qn-iters", 0, "maximum quasi-Newton iterations ≥ 0 after Adam (default: the problem's); -lbfgs is the same")
	fs.IntVar(&f.qnMax, "qn-max-params", solve.DefaultQNMaxParams, "largest parameter count p ≥ 1 a dense -qn method accepts (its p×p float64 matrix takes 8p² bytes)")
	fs.IntVar(&f.lbfgs, "lbfgs", 0, "maximum quasi-Newton (L-BFGS or -qn's) iterations ≥ 0 after Adam (default: the problem's)")
	fs.IntVar(&f.lbfgsHistory, "lbfgs-history", 50, "L-BFGS correction pairs kept ≥ 1 (scipy's maxcor)")
	fs.Float64Var(&f.lr, "lr", 0, "Adam learning rate > 0 (default: the problem's, 1e-3)")
	fs.Int64Var(&f.seed, "seed", 1, "seed ≥ 0 for sampling and initialisation")
	fs.StringVar(&f.dtype, "dtype", "float32", "float32 or float64")
	fs.Float64Var(&f.maxMemGiB, "max-memory", float64(solve.DefaultMaxMemory)/(1<<30), "bound in GiB on the estimated memory of the network and its training graphs, checked before anything is allocated")
	fs.IntVar(&f.workers, "workers", 0, fmt.Sprintf("data-parallel workers K in [1, %d] on the pure-Go engine, each evaluating a shard of the points on one core (default: $%s, else the number of CPUs; 1 on XLA)", engine.MaxWorkers, engine.WorkersEnvVar))
	fs.StringVar(&f.deriv, "deriv", "forward", "input derivatives: forward (jets) or autodiff (nested Gradient, reference)")
	fs.IntVar(&f.logEvery, "log-every", 0, "record the loss history every N steps (default: ~200 records)")
	fs.StringVar(&f.out, "out", "", "output directory for result.json, prediction.npz and model/ (the trained variables, for annsvd predict); created only when they are written, nothing is written on error")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress display")
	f.px.register(fs)
	if withMode { // train only
		f.rel.register(fs)
	}
	fs.SetOutput(io.Discard)
	return f
}

func (f *trainFlags) parse(args []string, stderr io.Writer) error {
	return parseFlags(f.fs, args, "usage: "+f.fs.Name()+" [flags]", stderr)
}

func (f *trainFlags) isSet(name string) bool { return isSet(f.fs, name) }

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// job is a fully resolved training job.
type job struct {
	entry   problems.Entry
	opts    problems.Options // the problem was built with
	problem *annsvd.Problem
	net     annsvd.Config
	train   solve.Config
	spec    annsvd.LayerSpec
	layers  []int
}

// joinInts formats xs as parseInts reads them: "20,20,20".
func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

func parseInts(name, s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, usageError{fmt.Errorf("-%s %q: %q is not an integer", name, s, p)}
		}
		out = append(out, v)
	}
	return out, nil
}

// resolve turns the flags (and the problem's defaults) into a job, validating every value.
func (f *trainFlags) resolve(spec annsvd.LayerSpec) (*job, error) {
	entry, err := problems.Get(f.problem)
	if err != nil {
		return nil, usageError{err}
	}
	d, err := f.px.defaults(entry)
	if err != nil {
		return nil, err
	}
	j := &job{entry: entry, spec: spec}
	widths := d.Widths
	if f.widths != "" {
		if widths, err = parseInts("widths", f.widths); err != nil {
			return nil, err
		}
		for _, w := range widths {
			if w < 1 {
				return nil, usageError{fmt.Errorf("-widths %q: width %d out of range: need ≥ 1", f.widths, w)}
			}
		}
	}
	act := d.Activation
	if f.activation != "" {
		if act, err = annsvd.ParseActivation(f.activation); err != nil {
			return nil, usageError{err}
		}
	}
	j.train = solve.Config{AdamSteps: d.AdamSteps, LBFGSIters: d.LBFGSIters, LR: d.LR, LogEvery: f.logEvery}
	if f.isSet("adam") {
		if f.adam < 0 {
			return nil, usageError{fmt.Errorf("-adam %d out of range: need ≥ 0 steps", f.adam)}
		}
		j.train.AdamSteps = f.adam
	}
	for _, it := range []struct {
		name string
		n    int
	}{{"lbfgs", f.lbfgs}, {"qn-iters", f.qnIters}} {
		if !f.isSet(it.name) {
			continue
		}
		if it.n < 0 {
			return nil, usageError{fmt.Errorf("-%s %d out of range: need ≥ 0 iterations", it.name, it.n)}
		}
		if f.isSet("lbfgs") && f.isSet("qn-iters") && f.lbfgs != f.qnIters {
			return nil, usageError{fmt.Errorf("-lbfgs %d and -qn-iters %d disagree: give one of them", f.lbfgs, f.qnIters)}
		}
		j.train.LBFGSIters = it.n
	}
	j.train.QN = d.QN
	if f.qnMax < 1 {
		return nil, usageError{fmt.Errorf("-qn-max-params %d out of range: need ≥ 1", f.qnMax)}
	}
	j.train.QNMaxParams = f.qnMax
	if f.qn != "" {
		if j.train.QN, err = solve.ParseQNUpdate(f.qn); err != nil {
			return nil, usageError{err}
		}
	}
	if f.isSet("lr") {
		if !(f.lr > 0) || math.IsInf(f.lr, 0) {
			return nil, usageError{fmt.Errorf("-lr %v out of range: need a finite learning rate > 0", f.lr)}
		}
		j.train.LR = f.lr
	}
	if f.logEvery < 0 {
		return nil, usageError{fmt.Errorf("-log-every %d out of range: need ≥ 1", f.logEvery)}
	}
	if f.seed < 0 {
		return nil, usageError{fmt.Errorf("-seed %d out of range: need ≥ 0", f.seed)}
	}
	j.train.Seed = uint64(f.seed)
	if f.isSet("workers") {
		if err := engine.CheckWorkers(f.workers); err != nil {
			return nil, usageError{fmt.Errorf("-%w", err)}
		}
		j.train.Workers = f.workers
	}
	if !(f.maxMemGiB > 0) || f.maxMemGiB > 1<<20 {
		return nil, usageError{fmt.Errorf("-max-memory %v out of range: need 0 < GiB ≤ %d", f.maxMemGiB, 1<<20)}
	}
	j.train.MaxMemory = int64(f.maxMemGiB * (1 << 30))
	if f.lbfgsHistory < 1 {
		return nil, usageError{fmt.Errorf("-lbfgs-history %d out of range: need ≥ 1 pairs", f.lbfgsHistory)}
	}
	j.train.LBFGSHistory = f.lbfgsHistory
	if err := f.px.apply(f, d, &j.train); err != nil {
		return nil, err
	}
	if d.Float64 && !f.isSet("dtype") {
		f.dtype = "float64"
	}
	if j.train.DType, err = parseDType(f.dtype); err != nil {
		return nil, err
	}
	if j.train.Deriv, err = annsvd.ParseDerivMethod(f.deriv); err != nil {
		return nil, usageError{err}
	}
	if !f.isSet("svd-bias") {
		spec.NoBias = d.SVDNoBias
	} else {
		spec.NoBias = !f.svdBias
	}
	j.spec = spec
	if err := spec.Validate(); err != nil {
		return nil, usageError{err}
	}
	svd, layers, err := parseSVDLayers(f.svdLayers, spec, widths)
	if err != nil {
		return nil, err
	}
	j.layers = layers
	product, err := annsvd.ParseProduct(f.product)
	if err != nil {
		return nil, usageError{err}
	}
	fourier := d.Fourier
	if f.isSet("fourier") {
		fourier = annsvd.Fourier{Features: f.fourier, Sigma: f.fourierSigma}
		if f.fourier < 0 {
			return nil, usageError{fmt.Errorf("-fourier %d out of range: need m ≥ 1 features (0: off)", f.fourier)}
		}
	} else if f.isSet("fourier-sigma") {
		if fourier.Features == 0 {
			return nil, usageError{fmt.Errorf("-fourier-sigma needs -fourier M")}
		}
		fourier.Sigma = f.fourierSigma
	}
	periodic := annsvd.Periodic{Modes: d.PeriodicModes}
	if f.isSet("periodic") {
		if f.periodic < 0 {
			return nil, usageError{fmt.Errorf("-periodic %d out of range: need M ≥ 1 modes (0: off)", f.periodic)}
		}
		periodic.Modes = f.periodic
	}
	j.net = annsvd.Config{Widths: widths, Activation: act, Outputs: 1, SVD: svd, Product: product, Fourier: fourier, Periodic: periodic}
	hard := d.Hard
	if f.isSet("hard") {
		hard = f.px.hard
	}
	points := d.Points
	if f.isSet("points") {
		points = f.px.points
	}
	j.opts = problems.Options{Dim: f.px.dim, Widths: widths, Hard: hard, Points: points}
	if j.problem, err = entry.Build(j.opts); err != nil {
		return nil, usageError{err}
	}
	if periodic.Modes > 0 {
		j.net.Periodic.Coord = problems.PeriodicCoord(j.problem)
		if j.net.Periodic.Coord < 0 {
			return nil, usageError{fmt.Errorf("-periodic %d: problem %s is not periodic in any coordinate (periodic ones: %s)", periodic.Modes, entry.Name, strings.Join(problems.Periodic(), ", "))}
		}
	}
	if hard && !f.isSet("weights") {
		if j.train.Weights, err = problems.WeightsOfTerms(j.problem, j.train.Seed, j.train.Weights); err != nil {
			return nil, err
		}
	}
	// Build the network once to validate ranks/thresholds against the actual layers.
	if _, err := solve.CheckNetwork(j.problem, j.net, j.train); err != nil {
		return nil, usageError{err}
	}
	if err := solve.CheckHooks(j.problem, j.train); err != nil {
		return nil, usageError{err}
	}
	return j, nil
}

// output is result.json: the solver's result plus the CLI's description of the job.
type output struct {
	Mode string   `json:"mode"`
	Args []string `json:"args"`
	// ProblemOptions are the options the problem was built with (annsvd predict
	// rebuilds it from them).
	ProblemOptions *problems.Options `json:"problem_options,omitempty"`
	*solve.Result
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return atomicio.WriteFile(path, append(b, '\n'))
}

// openBackend opens the backend in force, saying which on stderr unless -quiet.
func (f *trainFlags) openBackend(stderr io.Writer) (backends.Backend, error) {
	if f.quiet {
		return openBackend(nil)
	}
	return openBackend(stderr)
}

// parseDType parses a -dtype flag value.
func parseDType(s string) (dtypes.DType, error) {
	switch s {
	case "float32":
		return dtypes.Float32, nil
	case "float64":
		return dtypes.Float64, nil
	}
	return dtypes.InvalidDType, usageError{fmt.Errorf("-dtype %q: allowed float32, float64", s)}
}

// progressFor returns a solve progress callback drawing a bar per phase on w (the
// notebooks' adapter: one line per L-BFGS round in logs, the round and error in the bar).
func progressFor(w io.Writer, label string) func(solve.Progress) {
	update, _ := pinnplot.LiveProgress(w, label)
	return update
}

// execute trains one job and returns its output record.
func (f *trainFlags) execute(b backends.Backend, j *job, args []string, stderr io.Writer) (*output, error) {
	cfg := j.train
	if !f.quiet {
		cfg.Progress = progressFor(stderr, j.spec.String())
	}
	res, _, err := solve.Train(b, j.problem, j.net, cfg)
	if err != nil {
		return nil, err
	}
	return &output{Mode: j.spec.String(), Args: args, Result: res}, nil
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	f := newTrainFlags("train", true)
	if err := f.parse(args, stderr); err != nil {
		return err
	}
	if err := f.checkNotEmpty(); err != nil {
		return err
	}
	mode, err := annsvd.ParseMode(f.mode)
	if err != nil {
		return usageError{err}
	}
	spec := annsvd.LayerSpec{Mode: mode, Rank: f.rank, Threshold: f.threshold, Relative: f.relative}
	if mode != annsvd.Compact && f.isSet("rank") {
		return usageError{fmt.Errorf("-rank %d given with -mode %s: -rank applies to -mode compact", f.rank, mode)}
	}
	if mode != annsvd.Truncated && f.isSet("threshold") {
		return usageError{fmt.Errorf("-threshold %v given with -mode %s: -threshold applies to -mode truncated", f.threshold, mode)}
	}
	j, err := f.resolve(spec)
	if err != nil {
		return err
	}
	ck, err := f.rel.apply(f, j, stderr)
	if err != nil {
		return err
	}
	b, err := f.openBackend(stderr)
	if err != nil {
		return err
	}
	if err := solve.CheckWorkers(b, j.problem, j.train); err != nil {
		return usageError{err}
	}
	if err := checkOut(f.out); err != nil {
		return err
	}
	return f.trainAndWrite(j, b, ck, args, stdout, stderr)
}

func printTable(w io.Writer, rows []*output) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "problem\tmode\trank\tparams\tadam ms/step\ttrain s\trel L2\tL∞\tL_rms\tquasi-Newton")
	for _, o := range rows {
		rank := "-"
		var ranks []string
		for _, l := range o.Network.Layers {
			if l.Rank > 0 {
				ranks = append(ranks, strconv.Itoa(l.Rank))
			}
		}
		if len(ranks) > 0 {
			rank = strings.Join(ranks, ",")
		}
		lb := "-"
		if o.LBFGS != nil {
			lb = fmt.Sprintf("%s %d it (%s)", solve.QNUpdate(o.LBFGS.Method).Label(), o.LBFGS.Iterations, o.LBFGS.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%.1f\t%.3e\t%.3e\t%.3e\t%s\n", o.Problem, o.Mode, rank, o.Network.Params,
			o.Timing.AdamMsPerStep, o.Timing.TrainS, o.Metrics.RelL2, o.Metrics.LInf, o.Metrics.RMS, lb)
	}
	tw.Flush()
	for _, o := range rows {
		if len(o.Unknowns) > 0 {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(o.Unknowns)) {
				kv = append(kv, fmt.Sprintf("%s = %.6g", k, o.Unknowns[k]))
			}
			fmt.Fprintf(w, "%s %s unknowns: %s\n", o.Problem, o.Mode, strings.Join(kv, ", "))
		}
		if o.UnknownsError != "" {
			fmt.Fprintf(w, "%s %s unknowns not read: %s\n", o.Problem, o.Mode, o.UnknownsError)
		}
	}
}

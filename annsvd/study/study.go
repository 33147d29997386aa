// Package study runs rank studies of SVD-factorised PINNs: a grid of modes × ranks (or
// thresholds τ) × seeds, with a dense baseline, appended cell by cell to a JSON-lines
// file so that an interrupted study resumes where it stopped, and summarised as
// tables (markdown, CSV) with the smallest rank whose mean error is within a tolerance
// of the dense error.
package study

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/gomlx/gomlx/backends"
)

// Cell is one point of the study grid.
type Cell struct {
	// Mode is dense, thin, compact or truncated.
	Mode string `json:"mode"`
	// Rank k of compact cells (0 otherwise).
	Rank int `json:"rank,omitempty"`
	// Threshold τ of truncated cells (0 otherwise).
	Threshold float64 `json:"threshold,omitempty"`
	// Seed of initialisation and sampling.
	Seed uint64 `json:"seed"`
}

// Key identifies the cell in the JSON-lines file, e.g. "compact:k=4/seed=2".
func (c Cell) Key() string {
	s := c.Mode
	switch c.Mode {
	case "compact":
		s += ":k=" + strconv.Itoa(c.Rank)
	case "truncated":
		s += ":tau=" + strconv.FormatFloat(c.Threshold, 'g', -1, 64)
	}
	return s + "/seed=" + strconv.FormatUint(c.Seed, 10)
}

// Spec returns the layer parameterisation of the cell.
func (c Cell) Spec(relative, noBias bool) (annsvd.LayerSpec, error) {
	m, err := annsvd.ParseMode(c.Mode)
	if err != nil {
		return annsvd.LayerSpec{}, err
	}
	return annsvd.LayerSpec{Mode: m, Rank: c.Rank, Threshold: c.Threshold, Relative: relative && m == annsvd.Truncated, NoBias: noBias}, nil
}

// Record is one finished cell: one line of study.jsonl.
type Record struct {
	Cell
	// Study is the fingerprint of the settings the cell ran with (see Config.Fingerprint);
	// lines of another fingerprint are not reused.
	Study string `json:"study"`
	// KeptRank is the rank of the factorised layers (the kept rank for τ; 0 for dense).
	KeptRank int `json:"kept_rank"`
	// Params is the number of trainable parameters of the network.
	Params int `json:"params"`
	// MsPerStep is the median Adam step time in ms.
	MsPerStep float64 `json:"ms_per_step"`
	// RelL2 is the relative L2 error on the reference set.
	RelL2 float64 `json:"rel_l2"`
	// LInf is the maximum absolute error on the reference set.
	LInf float64 `json:"linf"`
	// TrainS is the training wall time in seconds.
	TrainS float64 `json:"train_s"`
}

// Config describes a study.
type Config struct {
	// Problem to train (already built).
	Problem *annsvd.Problem
	// Net is the network (widths, activation); its SVD map is filled per cell on Layers.
	Net annsvd.Config
	// Layers are the hidden-to-hidden maps factorised in every SVD cell (default [1]).
	Layers []int
	// NoBias drops the biases of SVD layers.
	NoBias bool
	// Train are the training settings (Seed is set per cell).
	Train solve.Config
	// Modes among thin, compact, truncated (dense is always included as the baseline).
	Modes []annsvd.Mode
	// Ranks k for compact cells.
	Ranks []int
	// Thresholds τ for truncated cells (relative to σ₁ when Relative).
	Thresholds []float64
	// Relative makes the thresholds relative to σ₁.
	Relative bool
	// Seeds is the number of seeds per cell (1..Seeds).
	Seeds int
	// Tol: a rank is acceptable when its mean error ≤ Tol × the dense mean error.
	Tol float64
	// Points, when > 0, subsamples every loss term to at most this many points.
	Points int
	// Out is the output directory (study.jsonl, study.md, study.csv).
	Out string
	// Log, when set, receives one line per cell.
	Log io.Writer
	// Runner trains one cell (default: DefaultRunner); tests may wrap it.
	Runner func(c Cell) (Record, error)
	// Backend for the default runner.
	Backend backends.Backend
}

// Cells returns the grid in run order: dense, thin, compact ranks, truncated τ, each
// over the seeds.
func (c *Config) Cells() []Cell {
	var cells []Cell
	add := func(mode string, k int, tau float64) {
		for s := 1; s <= c.Seeds; s++ {
			cells = append(cells, Cell{Mode: mode, Rank: k, Threshold: tau, Seed: uint64(s)})
		}
	}
	add("dense", 0, 0)
	for _, m := range c.Modes {
		switch m {
		case annsvd.Thin:
			add("thin", 0, 0)
		case annsvd.Compact:
			for _, k := range c.Ranks {
				add("compact", k, 0)
			}
		case annsvd.Truncated:
			for _, tau := range c.Thresholds {
				add("truncated", 0, tau)
			}
		}
	}
	return cells
}

// Fingerprint summarises the settings that change results (problem, network, budget,
// points, factorised layers), so that a resumed study only reuses matching lines.
func (c *Config) Fingerprint() string {
	return fmt.Sprintf("%s|w=%v|act=%s|layers=%v|nobias=%t|rel=%t|adam=%d|lbfgs=%d|lr=%g|pts=%d",
		c.Problem.Name, c.Net.Widths, c.Net.Activation, c.layers(), c.NoBias, c.Relative,
		c.Train.AdamSteps, c.Train.LBFGSIters, c.Train.LR, c.Points)
}

func (c *Config) layers() []int {
	if len(c.Layers) == 0 {
		return []int{1}
	}
	return c.Layers
}

func (c *Config) netFor(cell Cell) (annsvd.Config, error) {
	spec, err := cell.Spec(c.Relative, c.NoBias)
	if err != nil {
		return annsvd.Config{}, err
	}
	net := c.Net
	net.SVD = map[int]annsvd.LayerSpec{}
	if spec.Mode != annsvd.Dense {
		for _, l := range c.layers() {
			net.SVD[l] = spec
		}
	}
	return net, nil
}

// Validate checks the axes and builds every cell's network once (without training),
// so that ranks out of range or thresholds keeping nothing are reported up front,
// naming the value.
func (c *Config) Validate() error {
	if c.Problem == nil {
		return errors.New("study: no problem")
	}
	if c.Seeds < 1 {
		return fmt.Errorf("study: seeds %d out of range: need ≥ 1", c.Seeds)
	}
	if !(c.Tol >= 1) || math.IsInf(c.Tol, 0) {
		return fmt.Errorf("study: tolerance %v out of range: need a finite tol ≥ 1 (× dense error)", c.Tol)
	}
	if c.Points < 0 {
		return fmt.Errorf("study: points %d out of range: need ≥ 0 (0 = all)", c.Points)
	}
	if len(c.Modes) == 0 {
		return errors.New("study: empty mode axis: give at least one of thin, compact, truncated")
	}
	for _, m := range c.Modes {
		switch m {
		case annsvd.Compact:
			if len(c.Ranks) == 0 {
				return errors.New("study: mode compact needs a non-empty rank axis")
			}
		case annsvd.Truncated:
			if len(c.Thresholds) == 0 {
				return errors.New("study: mode truncated needs a non-empty threshold axis")
			}
		case annsvd.Thin:
		default:
			return fmt.Errorf("study: mode %s is not a study axis (allowed: thin, compact, truncated; dense is always the baseline)", m)
		}
	}
	for _, k := range c.Ranks {
		if k < 1 {
			return fmt.Errorf("study: rank %d out of range: need ≥ 1", k)
		}
	}
	for _, tau := range c.Thresholds {
		if !(tau > 0) || math.IsInf(tau, 0) {
			return fmt.Errorf("study: threshold %v out of range: need a finite τ > 0", tau)
		}
	}
	for _, cell := range c.Cells() {
		net, err := c.netFor(cell)
		if err != nil {
			return err
		}
		if _, err := solve.CheckNetwork(c.Problem, net, c.train(cell)); err != nil {
			return fmt.Errorf("study: cell %s: %w", cell.Key(), err)
		}
	}
	return nil
}

func (c *Config) train(cell Cell) solve.Config {
	t := c.Train
	t.Seed = cell.Seed
	t.Hooks, t.Progress = nil, nil
	return t
}

// DefaultRunner trains one cell with solve.Train on c.Backend.
func (c *Config) DefaultRunner(cell Cell) (Record, error) {
	net, err := c.netFor(cell)
	if err != nil {
		return Record{}, err
	}
	p := c.Problem
	if c.Points > 0 {
		p = annsvd.SubsampleRandom(p, c.Points)
	}
	res, _, err := solve.Train(c.Backend, p, net, c.train(cell))
	if err != nil {
		return Record{}, fmt.Errorf("study: cell %s: %w", cell.Key(), err)
	}
	if res.MetricsSkipped != "" {
		return Record{}, fmt.Errorf("study: cell %s: a study compares errors, but %s", cell.Key(), res.MetricsSkipped)
	}
	rec := Record{Cell: cell, Params: res.Network.Params, MsPerStep: res.Timing.AdamMsPerStep,
		RelL2: res.Metrics.RelL2, LInf: res.Metrics.LInf, TrainS: res.Timing.TrainS}
	for _, l := range res.Network.Layers {
		if l.Rank > 0 {
			rec.KeptRank = l.Rank
			break
		}
	}
	return rec, nil
}

// JSONLName is the file of finished cells in the output directory.
const JSONLName = "study.jsonl"

// ReadRecords reads the finished cells of a study file. A trailing partial line (a
// study killed while writing) is ignored; valid is the length of the complete lines.
// A corrupt complete line is an error naming its number.
func ReadRecords(path string) (recs []Record, valid int64, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("study: %w", err)
	}
	end := bytes.LastIndexByte(b, '\n') + 1
	sc := bufio.NewScanner(bytes.NewReader(b[:end]))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, 0, fmt.Errorf("study: %s line %d is not a study record: %v", path, line, err)
		}
		recs = append(recs, r)
	}
	return recs, int64(end), sc.Err()
}

// appendRecord appends one JSON line with O_APPEND and fsync: a line is either
// complete on disk or (if the process dies mid-write) a partial tail that ReadRecords
// ignores.
func appendRecord(path string, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("study: appending to %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("study: syncing %s: %w", path, err)
	}
	return f.Close()
}

// Outcome is what Run did: how many cells ran now and were reused, and the summary.
type Outcome struct {
	Ran, Reused int
	Records     []Record
	Summary     *Summary
}

// Run validates the study, reads the finished cells from Out/study.jsonl, runs only
// the missing ones (appending each as it finishes), then writes study.md and
// study.csv and returns the summary. With Out empty the study runs in memory: every
// cell runs and nothing is written (the notebooks' and annsvd figures' sweeps).
func Run(c *Config) (*Outcome, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	// Out is created with the first record, so a study whose first cell fails leaves
	// no directory behind.
	mkdir := func() error {
		if c.Out == "" {
			return nil
		}
		if err := os.MkdirAll(c.Out, 0o755); err != nil {
			return fmt.Errorf("study: %w", err)
		}
		return nil
	}
	path := filepath.Join(c.Out, JSONLName)
	var old []Record
	if c.Out != "" {
		var valid int64
		var err error
		if old, valid, err = ReadRecords(path); err != nil {
			return nil, err
		}
		if fi, err := os.Stat(path); err == nil && fi.Size() > valid {
			// Drop a partial tail so that the next line starts on its own.
			if err := os.Truncate(path, valid); err != nil {
				return nil, fmt.Errorf("study: dropping the partial last line of %s: %w", path, err)
			}
		}
	}
	fp := c.Fingerprint()
	done := map[string]Record{}
	for _, r := range old {
		if r.Study == fp {
			done[r.Key()] = r
		}
	}
	runner := c.Runner
	if runner == nil {
		runner = c.DefaultRunner
	}
	out := &Outcome{}
	for _, cell := range c.Cells() {
		if r, ok := done[cell.Key()]; ok {
			out.Reused++
			out.Records = append(out.Records, r)
			continue
		}
		r, err := runner(cell)
		if err != nil {
			return out, err
		}
		r.Cell, r.Study = cell, fp
		if err := mkdir(); err != nil {
			return out, err
		}
		if c.Out != "" {
			if err := appendRecord(path, r); err != nil {
				return out, err
			}
		}
		out.Ran++
		out.Records = append(out.Records, r)
		done[cell.Key()] = r
		if c.Log != nil {
			fmt.Fprintf(c.Log, "study: %-28s params=%-5d rel L2=%.3e  %.1f ms/step\n", cell.Key(), r.Params, r.RelL2, r.MsPerStep)
		}
	}
	out.Summary = Summarize(out.Records, c.Tol)
	if c.Out == "" {
		return out, nil
	}
	if err := mkdir(); err != nil {
		return out, err
	}
	if err := out.Summary.Write(c.Out); err != nil {
		return out, err
	}
	return out, nil
}

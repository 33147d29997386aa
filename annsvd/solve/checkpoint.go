package solve

// Checkpoints are directories DIR/ckpt-<step>/ holding
//
//   - variables.npz: every context variable (network, loss weights, Adam moments and
//     step counters, learning rate), one NumPy array per variable named by its scope
//     and name without the leading "/" (e.g. "net/layer_1/u",
//     "AdamOptimizer/net/layer_1/u_1st_moment", "global_step"), in its own dtype
//     (float32, float64 or int64), so checkpoints can be inspected with numpy.load;
//   - state.json: the step, the history, the current learning rate, the run's settings
//     (problem, network, training configuration, the settings of its hooks), the list
//     of variables and the SHA-256 of variables.npz, verified on load.
//
// A checkpoint is written into a temporary directory (each file written to a temporary
// name, fsynced and renamed), which is then renamed to ckpt-<step> and the parent
// directory fsynced: a crash never leaves a directory named ckpt-<step> that is not
// complete. Temporary directories left by a process killed while writing are removed
// by the next SaveCheckpoint into the same directory (one run writes a checkpoint
// directory at a time).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

const (
	checkpointFormat = 1
	// CheckpointPrefix starts the name of every checkpoint directory: ckpt-<step>.
	CheckpointPrefix = "ckpt-"
	ckptVariables    = "variables.npz"
	ckptState        = "state.json"
	// DefaultKeep is the number of checkpoints a Checkpointer keeps by default.
	DefaultKeep = 3
	// DefaultCheckpointEvery is annsvd train's checkpoint interval in steps.
	DefaultCheckpointEvery = 1000
)

// Checkpointer is a Hook that saves a checkpoint of the run every Every Adam steps
// into Dir (created if missing), keeping the Keep most recent ones (default
// DefaultKeep); with Every > 0 it also saves after each RAD resampling between L-BFGS
// rounds. Call Save for a final checkpoint (e.g. when training is interrupted).
type Checkpointer struct {
	// Dir is the directory holding the ckpt-<step> directories.
	Dir string
	// Every is the interval in global steps (≥ 1; 0 saves only on explicit Save).
	Every int
	// Keep is the number of most recent checkpoints kept (default DefaultKeep).
	Keep int
	// Last is the path of the last checkpoint written ("" before the first).
	Last string
}

// AfterStep saves a checkpoint when step is a multiple of Every.
func (c *Checkpointer) AfterStep(r *Run, step int) error {
	if c.Every > 0 && step%c.Every == 0 {
		_, err := c.Save(r)
		return err
	}
	return nil
}

// Save writes a checkpoint of the run's current state now and returns its path.
// SavesOnRounds reports whether the checkpointer saves periodically (Every > 0), and so
// also at the start of the quasi-Newton phase and after each resampling (Saver).
func (c *Checkpointer) SavesOnRounds() bool { return c.Every > 0 }

// LastSaved is the path of the last checkpoint written ("" before the first).
func (c *Checkpointer) LastSaved() string { return c.Last }

func (c *Checkpointer) Save(r *Run) (string, error) {
	keep := c.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	p, err := r.SaveCheckpoint(c.Dir, keep)
	if err == nil {
		c.Last = p
	}
	return p, err
}

// runSettings are the settings a checkpoint must agree on with the run restoring it.
type runSettings struct {
	Problem    string          `json:"problem"`
	Coords     []string        `json:"coords"`
	Terms      []string        `json:"terms"`
	Inputs     int             `json:"inputs"`
	Outputs    int             `json:"outputs"`
	Widths     []int           `json:"widths"`
	Activation string          `json:"activation"`
	DType      string          `json:"dtype"`
	Deriv      string          `json:"deriv"`
	Seed       uint64          `json:"seed"`
	NetSeed    uint64          `json:"net_seed"`
	Layers     []layerSetting  `json:"layers"`
	Fourier    annsvd.Fourier  `json:"fourier,omitempty"`
	Periodic   annsvd.Periodic `json:"periodic,omitempty"`
}

type layerSetting struct {
	Name      string  `json:"name"`
	Mode      string  `json:"mode"`
	Rank      int     `json:"rank"`
	Threshold float64 `json:"threshold,omitempty"`
	Relative  bool    `json:"relative,omitempty"`
	NoBias    bool    `json:"no_bias,omitempty"`
}

type checkpointVar struct {
	Key       string `json:"key"`
	Scope     string `json:"scope"`
	Name      string `json:"name"`
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Trainable bool   `json:"trainable"`
}

type checkpointState struct {
	Format int `json:"format"`
	// Step is the global step; AdamSteps of them were Adam steps, the rest L-BFGS
	// iterations.
	Step      int             `json:"step"`
	AdamSteps int             `json:"adam_steps_done"`
	LR        float64         `json:"lr"`
	Written   string          `json:"written"`
	Settings  runSettings     `json:"settings"`
	Training  Config          `json:"training"`
	History   History         `json:"history"`
	Variables []checkpointVar `json:"variables"`
	// LBFGSDone counts the L-BFGS iterations done and RoundDone those of the current
	// L-BFGS round (RAD between rounds; 0 right after a resampling).
	LBFGSDone int `json:"lbfgs_iterations_done,omitempty"`
	RoundDone int `json:"lbfgs_round_done,omitempty"`
	// Points lists the saved point sets of the terms that can be resampled (arrays
	// "points/<term>" of shape [n, coords]), so that a resumed run trains on the
	// points the checkpointed one had; RAD holds the resampling events so far.
	Points []checkpointPoints `json:"points,omitempty"`
	RAD    []RADEvent         `json:"rad,omitempty"`
	// Hooks are the settings of the run's hooks that shape training (see HookSetting),
	// in order; nil in checkpoints written before they were recorded.
	Hooks []string `json:"hooks"`
	// Dense is the dense quasi-Newton method's state between rounds (its H is the
	// array Dense.Key), nil before one has run.
	Dense *denseState `json:"dense_qn,omitempty"`
	// SHA256 holds the hex SHA-256 of each file of the checkpoint but state.json.
	SHA256 map[string]string `json:"sha256,omitempty"`
}

type checkpointPoints struct {
	Term string `json:"term"`
	Key  string `json:"key"`
}

// denseKey is the variables.npz key of the dense quasi-Newton matrix H.
const denseKey = "quasi_newton/h"

// pointsKey is the variables.npz key of a term's points.
func pointsKey(term string) string { return "points/" + term }

func (r *Run) settings() runSettings {
	s := runSettings{
		Problem: r.Problem.Name, Coords: r.Problem.Coords, Terms: r.TermNames(),
		Inputs: r.Net.Inputs, Outputs: r.Net.Outputs, Widths: r.Net.Widths,
		Activation: r.Net.Activation.String(), DType: strings.ToLower(r.Config.DType.String()), Deriv: r.Config.Deriv.String(),
		Seed: r.Config.Seed, NetSeed: r.Net.Seed, Fourier: r.Net.Fourier, Periodic: r.Net.Periodic,
	}
	for _, l := range r.Net.Layers {
		s.Layers = append(s.Layers, layerSetting{Name: l.Name, Mode: l.Spec.Mode.String(), Rank: l.Rank,
			Threshold: l.Spec.Threshold, Relative: l.Spec.Relative, NoBias: l.Spec.NoBias})
	}
	return s
}

// checkpointKey names a variable inside variables.npz.
func checkpointKey(v *context.Variable) string {
	return strings.TrimPrefix(v.ScopeAndName(), context.ScopeSeparator)
}

func tensorToArray(t *tensors.Tensor) (*npy.Array, error) {
	a := &npy.Array{Shape: slices.Clone(t.Shape().Dimensions)}
	var err error
	cerr := t.ConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			a.DType, a.Data = npy.Float32, widen(f)
		case []float64:
			a.DType, a.Data = npy.Float64, slices.Clone(f)
		case []int64:
			a.DType, a.Data = npy.Int64, widen(f)
		case []int32:
			a.DType, a.Data = npy.Int32, widen(f)
		default:
			err = fmt.Errorf("dtype %s cannot be checkpointed", t.DType())
		}
	})
	if cerr != nil {
		return nil, cerr
	}
	return a, err
}

// widen converts a slice of numbers to float64 (exact for float32 and int32, and for
// int64 values up to 2⁵³, which covers step counters).
func widen[T float32 | int32 | int64](f []T) []float64 {
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

func arrayToTensor(a *npy.Array) (*tensors.Tensor, error) {
	dims := slices.Clone(a.Shape)
	switch a.DType {
	case npy.Float32:
		f := make([]float32, len(a.Data))
		for i, v := range a.Data {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...), nil
	case npy.Float64:
		return tensors.FromFlatDataAndDimensions(slices.Clone(a.Data), dims...), nil
	case npy.Int64:
		f := make([]int64, len(a.Data))
		for i, v := range a.Data {
			f[i] = int64(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...), nil
	case npy.Int32:
		f := make([]int32, len(a.Data))
		for i, v := range a.Data {
			f[i] = int32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...), nil
	}
	return nil, fmt.Errorf("dtype %q not supported", a.DType)
}

func npyDType(dt dtypes.DType) string {
	switch dt {
	case dtypes.Float32:
		return npy.Float32
	case dtypes.Float64:
		return npy.Float64
	case dtypes.Int64:
		return npy.Int64
	case dtypes.Int32:
		return npy.Int32
	}
	return dt.String()
}

// SaveCheckpoint writes the run's complete state to dir/ckpt-<step> atomically (see
// the package notes in checkpoint.go), replacing an existing checkpoint of the same
// step, and then deletes all but the keep most recent checkpoints (keep ≤ 0 keeps all).
// It returns the checkpoint's path.
func (r *Run) SaveCheckpoint(dir string, keep int) (string, error) {
	return r.saveCheckpoint(dir, keep, true)
}

// SaveModel writes the run's final state to dir/ckpt-<step> in the checkpoint format,
// as SaveCheckpoint does, without the dense quasi-Newton matrix (p² values that only a
// resume of the quasi-Newton phase needs). LoadModel (or Restore into a run built from
// the same settings) loads it, e.g. to predict at new points; it returns the path
// written.
// Other checkpoints in dir (an earlier run's model) are removed.
func (r *Run) SaveModel(dir string) (string, error) {
	path, err := r.saveCheckpoint(dir, 0, false)
	if err != nil {
		return "", err
	}
	others, err := Checkpoints(dir)
	if err != nil {
		return path, err
	}
	for _, o := range others {
		if o != path {
			if err := os.RemoveAll(o); err != nil {
				return path, fmt.Errorf("solve: removing an earlier model: %w", err)
			}
		}
	}
	return path, nil
}

func (r *Run) saveCheckpoint(dir string, keep int, withH bool) (string, error) {
	if dir == "" {
		return "", errors.New("solve: checkpoint directory is empty")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("solve: checkpoint directory: %w", err)
	}
	st, arrays, err := r.checkpointContents(withH)
	if err != nil {
		return "", err
	}
	final, err := writeCheckpoint(dir, r.Step, st, arrays)
	if err != nil {
		return "", err
	}
	if keep > 0 {
		steps, err := listCheckpoints(dir)
		if err != nil {
			return final, err
		}
		for _, s := range steps[:max(0, len(steps)-keep)] {
			if err := os.RemoveAll(filepath.Join(dir, CheckpointPrefix+strconv.Itoa(s))); err != nil {
				return final, fmt.Errorf("solve: removing an old checkpoint: %w", err)
			}
		}
	}
	return final, nil
}

// checkpointContents collects a checkpoint of the run: its state (settings, history,
// resampled points, hooks, the dense quasi-Newton matrix's description when withH) and
// the arrays of variables.npz.
func (r *Run) checkpointContents(withH bool) (checkpointState, map[string]*npy.Array, error) {
	arrays := map[string]*npy.Array{}
	st := checkpointState{Format: checkpointFormat, Step: r.Step, AdamSteps: r.adamDone, LR: r.LR(),
		Written: time.Now().UTC().Format(time.RFC3339), Settings: r.settings(), Training: r.Config, History: r.History}
	st.Training.Hooks, st.Training.Progress, st.Training.Stop = nil, nil, nil
	st.LBFGSDone, st.RoundDone = r.lbfgsDone, r.roundDone
	for _, t := range r.Terms {
		if t.Sample == nil || t.Data != nil {
			continue // fixed points: the problem redraws them from the seed
		}
		arrays[pointsKey(t.Name)] = npy.FromRows(t.Points)
		st.Points = append(st.Points, checkpointPoints{Term: t.Name, Key: pointsKey(t.Name)})
	}
	st.RAD = r.radEvents()
	st.Hooks = r.hookSettings()
	if r.dense != nil && withH {
		ds, h := r.dense.state()
		if h != nil {
			ds.Key = denseKey
			arrays[denseKey] = &npy.Array{Shape: []int{ds.N, ds.N}, Data: h}
		}
		st.Dense = &ds
	}
	for v := range r.Ctx.IterVariables() {
		if !v.HasValue() {
			continue
		}
		a, err := tensorToArray(v.MustValue())
		if err != nil {
			return st, nil, fmt.Errorf("solve: checkpoint variable %s: %w", v.ScopeAndName(), err)
		}
		key := checkpointKey(v)
		arrays[key] = a
		st.Variables = append(st.Variables, checkpointVar{Key: key, Scope: v.Scope(), Name: v.Name(),
			DType: a.DType, Shape: a.Shape, Trainable: v.Trainable})
	}
	return st, arrays, nil
}

// writeCheckpoint writes st and arrays as dir/ckpt-<step>: staged in a temporary
// directory (variables.npz, its SHA-256 in state.json), then renamed into place so that a
// complete checkpoint exists under some name at every moment, and the directory synced.
func writeCheckpoint(dir string, step int, st checkpointState, arrays map[string]*npy.Array) (string, error) {
	removeStaleTemps(dir)
	final := filepath.Join(dir, CheckpointPrefix+strconv.Itoa(step))
	tmp, err := os.MkdirTemp(dir, "."+CheckpointPrefix+strconv.Itoa(step)+".tmp")
	if err != nil {
		return "", fmt.Errorf("solve: checkpoint: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(tmp)
		}
	}()
	if err := npy.WriteNPZ(filepath.Join(tmp, ckptVariables), arrays); err != nil {
		return "", fmt.Errorf("solve: checkpoint: %w", err)
	}
	sum, err := fileSHA256(filepath.Join(tmp, ckptVariables))
	if err != nil {
		return "", fmt.Errorf("solve: checkpoint: %w", err)
	}
	st.SHA256 = map[string]string{ckptVariables: sum}
	stateJSON, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return "", fmt.Errorf("solve: checkpoint state: %w", err)
	}
	if err := atomicio.WriteFile(filepath.Join(tmp, ckptState), append(stateJSON, '\n')); err != nil {
		return "", fmt.Errorf("solve: checkpoint: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("solve: checkpoint: %w", err)
	}
	var old string
	if _, err := os.Stat(final); err == nil {
		// Same step written again (after a rollback or a resume): move the old one away
		// first, so that a complete checkpoint exists under some name at every moment.
		old = tmp + ".old"
		if err := os.Rename(final, old); err != nil {
			return "", fmt.Errorf("solve: checkpoint: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		if old != "" {
			os.Rename(old, final)
		}
		return "", fmt.Errorf("solve: checkpoint: %w", err)
	}
	committed = true
	if old != "" {
		os.RemoveAll(old)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return final, nil
}

// removeStaleTemps removes the temporary directories (.ckpt-<step>.tmp…) that a
// SaveCheckpoint killed before its rename left in dir.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "."+CheckpointPrefix) && strings.Contains(e.Name(), ".tmp") {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// listCheckpoints returns the steps of the ckpt-<step> directories in dir, ascending.
func listCheckpoints(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("solve: checkpoint directory: %w", err)
	}
	var steps []int
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), CheckpointPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		s, err := strconv.Atoi(rest)
		if err != nil || s < 0 || strconv.Itoa(s) != rest {
			continue
		}
		steps = append(steps, s)
	}
	slices.Sort(steps)
	return steps, nil
}

// Checkpoints returns the paths of the checkpoints in dir, oldest first.
func Checkpoints(dir string) ([]string, error) {
	steps, err := listCheckpoints(dir)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(steps))
	for i, s := range steps {
		paths[i] = filepath.Join(dir, CheckpointPrefix+strconv.Itoa(s))
	}
	return paths, nil
}

type loadedCheckpoint struct {
	path   string
	state  checkpointState
	arrays map[string]*npy.Array
	// skipped says which newer checkpoints were unreadable, and why.
	skipped []string
}

// readCheckpointState reads and checks state.json of one checkpoint directory.
func readCheckpointState(path string) (*loadedCheckpoint, error) {
	b, err := os.ReadFile(filepath.Join(path, ckptState))
	if err != nil {
		return nil, err
	}
	ck := &loadedCheckpoint{path: path}
	if err := json.Unmarshal(b, &ck.state); err != nil {
		return nil, fmt.Errorf("%s: %w", ckptState, err)
	}
	if ck.state.Format != checkpointFormat {
		return nil, fmt.Errorf("%s: format %d, want %d", ckptState, ck.state.Format, checkpointFormat)
	}
	return ck, nil
}

// readCheckpoint reads a whole checkpoint directory, checking that every listed
// variable is present with its shape and dtype.
func readCheckpoint(path string) (*loadedCheckpoint, error) {
	ck, err := readCheckpointState(path)
	if err != nil {
		return nil, err
	}
	if want := ck.state.SHA256[ckptVariables]; want != "" {
		got, err := fileSHA256(filepath.Join(path, ckptVariables))
		if err != nil {
			return nil, err
		}
		if got != want {
			return nil, fmt.Errorf("%s does not match the SHA-256 in %s (corrupted, or copied from another checkpoint)", ckptVariables, ckptState)
		}
	}
	ck.arrays, err = npy.ReadNPZ(filepath.Join(path, ckptVariables))
	if err != nil {
		return nil, err
	}
	for _, p := range ck.state.Points {
		if a, ok := ck.arrays[p.Key]; !ok || len(a.Shape) != 2 || a.Len() != len(a.Data) {
			return nil, fmt.Errorf("%s lacks the points of term %s (or they are not a matrix)", ckptVariables, p.Term)
		}
	}
	if d := ck.state.Dense; d != nil && d.Key != "" {
		if a, ok := ck.arrays[d.Key]; !ok || !slices.Equal(a.Shape, []int{d.N, d.N}) {
			return nil, fmt.Errorf("%s lacks the %d×%d quasi-Newton matrix %s", ckptVariables, d.N, d.N, d.Key)
		}
	}
	for _, v := range ck.state.Variables {
		a, ok := ck.arrays[v.Key]
		if !ok {
			return nil, fmt.Errorf("%s lacks variable %s", ckptVariables, v.Key)
		}
		if a.DType != v.DType || !slices.Equal(a.Shape, v.Shape) {
			return nil, fmt.Errorf("%s: variable %s is %s %v, %s says %s %v", ckptVariables, v.Key, a.DType, a.Shape, ckptState, v.DType, v.Shape)
		}
	}
	return ck, nil
}

// findCheckpoint resolves dir to checkpoints to try, newest first: dir itself when it
// is a checkpoint, else its ckpt-<step> directories.
func findCheckpoint(dir string) ([]string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("solve: checkpoint %s: %w", dir, atomicio.UnwrapPathErr(err))
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("solve: checkpoint %s is not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, ckptState)); err == nil {
		return []string{dir}, nil
	}
	paths, err := Checkpoints(dir)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("solve: no checkpoint (%s<step> directory) in %s", CheckpointPrefix, dir)
	}
	slices.Reverse(paths)
	return paths, nil
}

// latest returns the newest checkpoint under dir that reads completely (its files,
// their checksums, shapes and dtypes). A corrupt newer checkpoint is skipped and
// recorded in the returned checkpoint's skipped list (the error names the newest one
// if none is readable).
func latest(dir string) (*loadedCheckpoint, error) {
	paths, err := findCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	var skipped []string
	var first error
	for _, p := range paths {
		ck, err := readCheckpoint(p)
		if err == nil {
			ck.skipped = skipped
			return ck, nil
		}
		skipped = append(skipped, fmt.Sprintf("skipped checkpoint %s: %v", p, atomicio.UnwrapPathErr(err)))
		if first == nil {
			first = fmt.Errorf("solve: checkpoint %s is unreadable: %v", p, atomicio.UnwrapPathErr(err))
		}
	}
	return nil, first
}

// checkSettings returns an error naming the first setting in which the checkpoint
// differs from the run's s.
func (ck *loadedCheckpoint) checkSettings(s runSettings) error {
	c := ck.state.Settings
	differ := func(what string, was, is any) error {
		return fmt.Errorf("solve: checkpoint %s was written with %s %v, this run has %v", ck.path, what, was, is)
	}
	modes := func(s runSettings) (m []string, ranks []int, bias []bool) {
		for _, l := range s.Layers {
			spec := l.Mode
			if l.Mode == "truncated" {
				spec = fmt.Sprintf("truncated τ=%g", l.Threshold)
				if l.Relative {
					spec += "·σ₁"
				}
			}
			m, ranks, bias = append(m, spec), append(ranks, l.Rank), append(bias, !l.NoBias)
		}
		return
	}
	cm, cr, cb := modes(c)
	sm, sr, sb := modes(s)
	switch {
	case c.Problem != s.Problem:
		return differ("problem", c.Problem, s.Problem)
	case !slices.Equal(c.Coords, s.Coords):
		return differ("coordinates", c.Coords, s.Coords)
	case !slices.Equal(c.Terms, s.Terms):
		return differ("loss terms", c.Terms, s.Terms)
	case c.Inputs != s.Inputs:
		return differ("inputs", c.Inputs, s.Inputs)
	case c.Outputs != s.Outputs:
		return differ("outputs", c.Outputs, s.Outputs)
	case !slices.Equal(c.Widths, s.Widths):
		return differ("widths", c.Widths, s.Widths)
	case c.Activation != s.Activation:
		return differ("activation", c.Activation, s.Activation)
	case c.DType != s.DType:
		return differ("dtype", c.DType, s.DType)
	case !slices.Equal(cm, sm):
		return differ("modes", cm, sm)
	case !slices.Equal(cr, sr):
		return differ("ranks", cr, sr)
	case !slices.Equal(cb, sb):
		return differ("layer biases", cb, sb)
	case c.Fourier != s.Fourier:
		return differ("Fourier features", c.Fourier, s.Fourier)
	case c.Periodic != s.Periodic:
		return differ("periodic embedding", c.Periodic, s.Periodic)
	case c.Seed != s.Seed:
		return differ("seed", c.Seed, s.Seed)
	case c.NetSeed != s.NetSeed:
		return differ("network seed", c.NetSeed, s.NetSeed)
	}
	return nil
}

// checkTraining returns an error naming the first training setting in which the run
// with configuration c and hook settings hooks would not continue the checkpointed
// one: a changed learning rate, loss weights, RBA, quasi-Newton method or memory,
// rollback policy or hook (schedule, RAD, adaptive weights). Budgets are checked by
// budgetError (Train and CheckResume): they may grow, as totals, unless a hook depends
// on them (a cosine schedule over the Adam steps).
func (ck *loadedCheckpoint) checkTraining(c Config, hooks []string) error {
	t := ck.state.Training.withDefaults()
	c = c.withDefaults()
	differ := func(what string, was, is any) error {
		return fmt.Errorf("solve: checkpoint %s was trained with %s %v, this run has %v: a resume continues the same training (give the checkpoint's setting, or start a new run)", ck.path, what, was, is)
	}
	qn := func(q QNUpdate) QNUpdate { u, _ := ParseQNUpdate(string(q)); return u }
	switch {
	case t.LR != c.LR:
		return differ("learning rate", t.LR, c.LR)
	case !maps.Equal(t.Weights, c.Weights):
		return differ("loss weights", t.Weights, c.Weights)
	case !reflect.DeepEqual(t.RBA, c.RBA):
		return differ("RBA", t.RBA, c.RBA)
	case qn(t.QN) != qn(c.QN):
		return differ("quasi-Newton method", qn(t.QN), qn(c.QN))
	case t.LBFGSHistory != c.LBFGSHistory:
		return differ("L-BFGS history", t.LBFGSHistory, c.LBFGSHistory)
	case t.RollbackEvery != c.RollbackEvery || t.MaxRollbacks != c.MaxRollbacks:
		return differ("rollback every/max", [2]int{t.RollbackEvery, t.MaxRollbacks}, [2]int{c.RollbackEvery, c.MaxRollbacks})
	case ck.state.Hooks != nil && !slices.Equal(ck.state.Hooks, hooks):
		return differ("hooks", ck.state.Hooks, hooks)
	}
	return nil
}

// budgetError returns an error when the budgets of c cannot continue a run resumed
// from the checkpoint at path that has done adamDone Adam steps and lbfgsDone
// quasi-Newton iterations: budgets are totals, so neither may be below what is done,
// and the Adam budget cannot grow once the quasi-Newton phase has begun.
func budgetError(path string, c Config, adamDone, lbfgsDone int) error {
	switch {
	case c.AdamSteps < adamDone:
		return fmt.Errorf("solve: checkpoint %s has done %d Adam steps, this run's budget is %d: budgets are totals, so it must be ≥ %d", path, adamDone, c.AdamSteps, adamDone)
	case c.LBFGSIters < lbfgsDone:
		return fmt.Errorf("solve: checkpoint %s has done %d quasi-Newton iterations, this run's budget is %d: budgets are totals, so it must be ≥ %d", path, lbfgsDone, c.LBFGSIters, lbfgsDone)
	case c.AdamSteps > adamDone && lbfgsDone > 0:
		return fmt.Errorf("solve: checkpoint %s is past its %d Adam steps, in the quasi-Newton phase: its Adam budget cannot grow to %d", path, adamDone, c.AdamSteps)
	}
	return nil
}

// CheckResume reads the latest complete checkpoint under dir (or the checkpoint dir
// itself) and reports whether a run of the given problem, network and training
// settings could resume from it (see Restore), without building or sampling anything
// beyond the network. It returns the checkpoint's path and the newer checkpoints it
// skipped as unreadable, each with the reason.
func CheckResume(dir string, p *annsvd.Problem, netCfg annsvd.Config, cfg Config) (path string, skipped []string, err error) {
	net, err := CheckNetwork(p, netCfg, cfg)
	if err != nil {
		return "", nil, err
	}
	ck, err := latest(dir)
	if err != nil {
		return "", nil, err
	}
	cfg = cfg.withDefaults()
	r := &Run{Problem: p, Net: net, Config: cfg}
	s := r.settings()
	s.Terms = ck.state.Settings.Terms // sampling the terms is left to the run
	if err := ck.checkSettings(s); err != nil {
		return "", nil, err
	}
	if err := ck.checkTraining(cfg, r.hookSettings()); err != nil {
		return "", nil, err
	}
	return ck.path, ck.skipped, budgetError(ck.path, cfg, ck.state.AdamSteps, ck.state.LBFGSDone)
}

// Restore loads the latest complete checkpoint under dir (or the checkpoint dir
// itself): every variable (network, loss weights, Adam moments and step counters,
// learning rate), the global step and the history, so that training continues exactly
// where the checkpoint was taken. Variables the run does not have yet (the optimizer's,
// before the first Adam step) are created. It refuses, naming the setting, a
// checkpoint written for another problem, network (widths, activation, modes, ranks,
// biases), dtype or seed, and one the run's training settings would not continue
// (see checkTraining: learning rate, weights, schedule, RAD, …; budgets may grow, as
// totals). Newer checkpoints that are unreadable (a failed checksum, a truncated
// file) are skipped: SkippedCheckpoints and the history's events say which and why.
// Restore is meant for a fresh run, before training; the compiled graphs are dropped.
func (r *Run) Restore(dir string) error {
	ck, err := latest(dir)
	if err != nil {
		return err
	}
	return r.restore(ck, true)
}

// restore loads ck into the run (see Restore); checkTrain compares the training
// settings too (LoadModel takes them from the checkpoint, hooks aside).
func (r *Run) restore(ck *loadedCheckpoint, checkTrain bool) error {
	if err := ck.checkSettings(r.settings()); err != nil {
		return err
	}
	if checkTrain {
		if err := ck.checkTraining(r.Config, r.hookSettings()); err != nil {
			return err
		}
	}
	// Check everything before changing anything.
	points, err := r.checkpointPoints(ck)
	if err != nil {
		return err
	}
	var dense *DenseQN
	if d := ck.state.Dense; d != nil {
		var h []float64
		if d.Key != "" {
			h = slices.Clone(ck.arrays[d.Key].Data)
		}
		if dense, err = restoreDense(*d, h); err != nil {
			return fmt.Errorf("solve: checkpoint %s: %w", ck.path, err)
		}
	}
	if err := r.checkVariables(ck); err != nil {
		return err
	}
	for _, cv := range ck.state.Variables {
		t, err := arrayToTensor(ck.arrays[cv.Key])
		if err != nil {
			return fmt.Errorf("solve: checkpoint %s variable %s: %w", ck.path, cv.Key, err)
		}
		if v := r.Ctx.GetVariableByScopeAndName(cv.Scope, cv.Name); v != nil {
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("solve: restoring %s: %w", cv.Key, err)
			}
			continue
		}
		r.Ctx.InAbsPath(cv.Scope).Checked(false).VariableWithValue(cv.Name, t).SetTrainable(cv.Trainable)
	}
	for i, p := range points {
		if p != nil {
			if err := r.SetTermPoints(i, p, nil); err != nil {
				return fmt.Errorf("solve: checkpoint %s: %w", ck.path, err)
			}
		}
	}
	if rec, ok := firstHook(r, func(EventRecorder) bool { return true }); ok {
		rec.RestoreEvents(ck.state.RAD)
	}
	r.Step, r.adamDone, r.History = ck.state.Step, ck.state.AdamSteps, ck.state.History
	r.lbfgsDone, r.roundDone = ck.state.LBFGSDone, ck.state.RoundDone
	r.dense, r.midQN = dense, false
	if r.lbfgsDone == 0 {
		r.lbfgsDone = r.Step - r.adamDone // checkpoints before the count was saved
	}
	if n := len(r.History.WallS); n > 0 {
		r.start = time.Now().Add(-time.Duration(r.History.WallS[n-1] * float64(time.Second)))
	}
	for _, s := range ck.skipped {
		r.History.Events = append(r.History.Events, fmt.Sprintf("step %d: %s", r.Step, s))
	}
	r.History.Events = append(r.History.Events, fmt.Sprintf("step %d: resumed from %s", r.Step, ck.path))
	r.ResumedFrom, r.SkippedCheckpoints = ck.path, ck.skipped
	r.Invalidate()
	return nil
}

// checkpointPoints checks the resampled points of ck against the run's terms and returns
// them by term index (nil: keep the run's).
func (r *Run) checkpointPoints(ck *loadedCheckpoint) ([][][]float64, error) {
	var err error
	var points [][][]float64 // by term index; nil: keep the run's
	for _, cp := range ck.state.Points {
		i := slices.Index(r.names, cp.Term)
		if i < 0 || i >= len(r.Terms) {
			return nil, fmt.Errorf("solve: checkpoint %s has points of term %s, which this run lacks", ck.path, cp.Term)
		}
		a := ck.arrays[cp.Key]
		if a.Shape[0] != len(r.Terms[i].Points) || a.Shape[1] != len(r.Problem.Coords) {
			return nil, fmt.Errorf("solve: checkpoint %s has %d×%d points for term %s, this run has %d×%d",
				ck.path, a.Shape[0], a.Shape[1], cp.Term, len(r.Terms[i].Points), len(r.Problem.Coords))
		}
		if points == nil {
			points = make([][][]float64, len(r.Terms))
		}
		if points[i], err = a.Rows(); err != nil {
			return nil, fmt.Errorf("solve: checkpoint %s, points of term %s: %w", ck.path, cp.Term, err)
		}
	}
	return points, nil
}

// checkVariables checks that ck holds every variable of the run, each with the run's
// dtype and shape.
func (r *Run) checkVariables(ck *loadedCheckpoint) error {
	inCkpt := map[string]bool{}
	for _, cv := range ck.state.Variables {
		inCkpt[cv.Key] = true
		if v := r.Ctx.GetVariableByScopeAndName(cv.Scope, cv.Name); v != nil {
			if npyDType(v.DType()) != cv.DType || !slices.Equal(v.Shape().Dimensions, cv.Shape) {
				return fmt.Errorf("solve: checkpoint %s has variable %s as %s %v, this run has %s %v",
					ck.path, cv.Key, cv.DType, cv.Shape, npyDType(v.DType()), v.Shape().Dimensions)
			}
		}
	}
	for v := range r.Ctx.IterVariables() {
		if !inCkpt[checkpointKey(v)] {
			return fmt.Errorf("solve: checkpoint %s lacks variable %s of this run", ck.path, checkpointKey(v))
		}
	}
	return nil
}

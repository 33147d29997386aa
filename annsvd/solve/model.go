package solve

import (
	"fmt"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// LoadModel rebuilds a trained run from a checkpoint or a model (see SaveModel) under
// dir, for prediction: the network (widths, activation, SVD modes and ranks, biases,
// embeddings, dtype, seed) and the training settings are read from the checkpoint, p
// must be the problem it was trained on, built with the same options (its hard
// constraint is part of u), and every variable is restored, so that Predict and
// PredictJet give the trained network's values to the last bit on the same backend.
// The returned run can also be trained further.
func LoadModel(b backends.Backend, p *annsvd.Problem, dir string) (*Run, error) {
	ck, err := latest(dir)
	if err != nil {
		return nil, err
	}
	s := ck.state.Settings
	if p == nil || p.Name != s.Problem {
		name := "<nil>"
		if p != nil {
			name = p.Name
		}
		return nil, fmt.Errorf("solve: checkpoint %s was written for problem %s, not %s", ck.path, s.Problem, name)
	}
	netCfg, err := s.network()
	if err != nil {
		return nil, fmt.Errorf("solve: checkpoint %s: %w", ck.path, err)
	}
	cfg := ck.state.Training
	cfg.Seed, cfg.Workers, cfg.ResumeFrom = s.Seed, 1, ""
	if cfg.Deriv, err = annsvd.ParseDerivMethod(s.Deriv); err != nil {
		return nil, fmt.Errorf("solve: checkpoint %s: %w", ck.path, err)
	}
	if cfg.DType, err = parseDType(s.DType); err != nil {
		return nil, fmt.Errorf("solve: checkpoint %s: %w", ck.path, err)
	}
	netCfg.DType = cfg.DType
	r, err := NewRun(b, p, netCfg, cfg)
	if err != nil {
		return nil, err
	}
	if err := r.restore(ck, false); err != nil {
		return nil, err
	}
	return r, nil
}

// network rebuilds the network configuration the settings were recorded from.
func (s runSettings) network() (annsvd.Config, error) {
	act, err := annsvd.ParseActivation(s.Activation)
	if err != nil {
		return annsvd.Config{}, err
	}
	c := annsvd.Config{Inputs: s.Inputs, Outputs: s.Outputs, Widths: s.Widths, Activation: act,
		Seed: s.NetSeed, Fourier: s.Fourier, Periodic: s.Periodic}
	if len(s.Layers) != len(s.Widths)+1 {
		return c, fmt.Errorf("%d layers recorded for %d hidden layers", len(s.Layers), len(s.Widths))
	}
	for i, l := range s.Layers {
		m, err := annsvd.ParseMode(l.Mode)
		if err != nil {
			return c, err
		}
		if m == annsvd.Dense {
			continue
		}
		spec := annsvd.LayerSpec{Mode: m, Threshold: l.Threshold, Relative: l.Relative, NoBias: l.NoBias}
		if m == annsvd.Compact {
			spec.Rank = l.Rank
		}
		if c.SVD == nil {
			c.SVD = map[int]annsvd.LayerSpec{}
		}
		c.SVD[i] = spec
	}
	return c, nil
}

// parseDType parses the lower-case dtype name a checkpoint records.
func parseDType(s string) (dtypes.DType, error) {
	switch strings.ToLower(s) {
	case "float32":
		return dtypes.Float32, nil
	case "float64":
		return dtypes.Float64, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("dtype %q (allowed: float32, float64)", s)
}

// CheckSameNetwork returns an error naming the first setting (problem, network, dtype,
// seed) in which the checkpoint under ckpt differs from the one under model: a
// checkpoint of another run.
func CheckSameNetwork(model, ckpt string) error {
	m, err := latest(model)
	if err != nil {
		return err
	}
	c, err := latest(ckpt)
	if err != nil {
		return err
	}
	s := m.state.Settings
	s.Terms = c.state.Settings.Terms // the terms may differ with the points, not the network
	return c.checkSettings(s)
}

// LoadModelOrCheckpoint is LoadModel of model, or, when ckpt is not empty, of the
// checkpoint ckpt (a checkpoint directory of the same run, its newest, or one ckpt-<step>),
// after checking that it holds the same network as model.
func LoadModelOrCheckpoint(b backends.Backend, p *annsvd.Problem, model, ckpt string) (*Run, error) {
	if ckpt != "" {
		if err := CheckSameNetwork(model, ckpt); err != nil {
			return nil, err
		}
		model = ckpt
	}
	return LoadModel(b, p, model)
}

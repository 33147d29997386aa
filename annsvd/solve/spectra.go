package solve

import (
	"fmt"
	"slices"

	"github.com/annsvd/annsvd/annsvd"
)

// SpectraRecord holds the singular values of every SVD layer at one global step.
type SpectraRecord struct {
	// Step is the global step (0: the initialisation).
	Step int `json:"step"`
	// Sigma maps each SVD layer's name (e.g. "hidden 1→2") to the singular values
	// (descending) of its current U·diag(s)·Vᵀ.
	Sigma map[string][]float64 `json:"sigma"`
}

// SpectraRecorder is a Hook that records annsvd.SingularValues of every SVD layer
// every Every Adam steps. The first call also records step 0 from the layers'
// initial spectra (LayerInfo.InitSigma cut to the kept rank). Only the first Rank
// values of each layer are kept (the others are zero up to rounding). Call Record after training to add the final state (e.g.
// after L-BFGS, which runs no hooks).
type SpectraRecorder struct {
	// Every is the recording interval in steps (≤ 0: only step 0 and explicit Record calls).
	Every int
	// Records are the recorded spectra in step order.
	Records []SpectraRecord
}

// NewSpectraRecorder returns a recorder that records every n steps.
func NewSpectraRecorder(n int) *SpectraRecorder { return &SpectraRecorder{Every: n} }

// AfterStep implements Hook.
func (s *SpectraRecorder) AfterStep(r *Run, step int) error {
	if len(s.Records) == 0 {
		init := SpectraRecord{Step: 0, Sigma: map[string][]float64{}}
		for _, i := range r.Net.SVDLayers() {
			l := r.Net.Layers[i]
			init.Sigma[l.Name] = slices.Clone(l.InitSigma[:min(l.Rank, len(l.InitSigma))])
		}
		s.Records = append(s.Records, init)
	}
	if s.Every > 0 && step%s.Every == 0 {
		return s.Record(r, step)
	}
	return nil
}

// Record adds the spectra of r's SVD layers at the given step (replacing a record
// already at that step).
func (s *SpectraRecorder) Record(r *Run, step int) error {
	rec := SpectraRecord{Step: step, Sigma: map[string][]float64{}}
	for _, i := range r.Net.SVDLayers() {
		sigma, err := annsvd.SingularValues(r.Ctx, i)
		if err != nil {
			return fmt.Errorf("solve: spectra of layer %s at step %d: %w", r.Net.Layers[i].Name, step, err)
		}
		rec.Sigma[r.Net.Layers[i].Name] = sigma[:min(r.Net.Layers[i].Rank, len(sigma))]
	}
	if n := len(s.Records); n > 0 && s.Records[n-1].Step == step {
		s.Records[n-1] = rec
		return nil
	}
	s.Records = append(s.Records, rec)
	return nil
}

// Layers returns the names of the recorded layers, sorted.
func (s *SpectraRecorder) Layers() []string {
	var names []string
	for _, rec := range s.Records {
		for name := range rec.Sigma {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// Steps returns the recorded steps in order.
func (s *SpectraRecorder) Steps() []int {
	steps := make([]int, len(s.Records))
	for i, rec := range s.Records {
		steps[i] = rec.Step
	}
	return steps
}

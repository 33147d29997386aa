package annsvd

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Mode selects how a hidden-to-hidden weight matrix is parameterised.
type Mode int

const (
	// Dense is the plain baseline: W (m×n) is one trainable matrix.
	Dense Mode = iota
	// Thin keeps all r = min(m,n) singular triplets: W = U·diag(s)·Vᵀ exactly at initialisation.
	Thin
	// Compact keeps the top k singular triplets (the reference code calls this "truncated").
	Compact
	// Truncated keeps the singular values σᵢ ≥ τ (the reference code calls this "compact").
	Truncated
)

var modeNames = map[Mode]string{Dense: "dense", Thin: "thin", Compact: "compact", Truncated: "truncated"}

// String returns the canonical lower-case name of the mode.
func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ModeNames lists the accepted mode names (canonical names first, then aliases).
const ModeNames = "dense, thin, compact (alias topk), truncated (alias threshold)"

// ParseMode parses a mode name: dense, thin, compact (alias topk, top-k) or truncated
// (alias threshold).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "dense":
		return Dense, nil
	case "thin":
		return Thin, nil
	case "compact", "topk", "top-k":
		return Compact, nil
	case "truncated", "threshold":
		return Truncated, nil
	}
	return Dense, fmt.Errorf("annsvd: unknown mode %q (allowed: %s)", s, ModeNames)
}

// ParseLayerSpec parses a layer spec written "mode[:arg]": dense, thin, compact:K (the
// top K triplets), truncated:T (σᵢ ≥ T) or truncated:Tr (σᵢ ≥ T·σ₁); the mode names of
// ParseMode are accepted. The spec is validated.
func ParseLayerSpec(s string) (LayerSpec, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	mode, err := ParseMode(parts[0])
	if err != nil {
		return LayerSpec{}, err
	}
	ls := LayerSpec{Mode: mode}
	if len(parts) > 2 {
		return ls, fmt.Errorf("annsvd: too many fields in %q (want mode[:arg])", s)
	}
	arg, hasArg := "", len(parts) > 1
	if hasArg {
		arg = parts[1]
	}
	switch {
	case mode == Compact:
		if !hasArg {
			return ls, fmt.Errorf("annsvd: %s needs a rank, e.g. compact:3", parts[0])
		}
		if ls.Rank, err = strconv.Atoi(arg); err != nil {
			return ls, fmt.Errorf("annsvd: rank %q is not an integer", arg)
		}
	case mode == Truncated:
		if !hasArg {
			return ls, fmt.Errorf("annsvd: %s needs a threshold, e.g. truncated:0.5 (or truncated:0.1r, relative to σ₁)", parts[0])
		}
		if strings.HasSuffix(arg, "r") {
			ls.Relative, arg = true, strings.TrimSuffix(arg, "r")
		}
		if ls.Threshold, err = strconv.ParseFloat(arg, 64); err != nil {
			return ls, fmt.Errorf("annsvd: threshold %q is not a number", arg)
		}
	case hasArg:
		return ls, fmt.Errorf("annsvd: mode %s takes no argument", parts[0])
	}
	return ls, ls.Validate()
}

// LayerSpec says how one hidden-to-hidden layer is parameterised.
type LayerSpec struct {
	// Mode of the layer; Dense means an ordinary weight matrix.
	Mode Mode
	// Rank k for Compact: 1 ≤ k ≤ min(m,n).
	Rank int
	// Threshold τ > 0 for Truncated: keep σᵢ ≥ τ (or σᵢ ≥ τ·σ₁ when Relative).
	Threshold float64
	// Relative makes Threshold relative to the largest singular value σ₁ (then τ ∈ (0,1]).
	Relative bool
	// NoBias drops the bias b of the layer (the paper-faithful Poisson preset has none).
	NoBias bool
}

// Validate checks the spec in isolation (without the layer's dimensions).
func (s LayerSpec) Validate() error {
	switch s.Mode {
	case Dense, Thin:
	case Compact:
		if s.Rank < 1 {
			return fmt.Errorf("annsvd: rank %d out of range: compact mode needs 1 ≤ k ≤ min(m,n)", s.Rank)
		}
	case Truncated:
		if !(s.Threshold > 0) || math.IsInf(s.Threshold, 0) {
			return fmt.Errorf("annsvd: threshold τ=%v out of range: truncated mode needs a finite τ > 0", s.Threshold)
		}
		if s.Relative && s.Threshold > 1 {
			return fmt.Errorf("annsvd: relative threshold τ=%v out of range (0, 1]", s.Threshold)
		}
	default:
		return fmt.Errorf("annsvd: unknown mode %d (allowed: %s)", int(s.Mode), ModeNames)
	}
	return nil
}

// KeptRank returns the number of singular triplets the spec keeps for a layer whose
// initial singular values (descending) are sigma, or an error naming the offending value.
func (s LayerSpec) KeptRank(sigma []float64) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	r := len(sigma)
	switch s.Mode {
	case Dense, Thin:
		return r, nil
	case Compact:
		if s.Rank > r {
			return 0, fmt.Errorf("annsvd: rank %d out of range [1, %d] (min(m,n) of the layer)", s.Rank, r)
		}
		return s.Rank, nil
	}
	tau := s.Threshold
	if s.Relative {
		tau *= sigma[0]
	}
	k := 0
	for _, v := range sigma {
		if v >= tau {
			k++
		}
	}
	if k == 0 {
		return 0, fmt.Errorf("annsvd: threshold τ=%.4g keeps no singular value (σ₁ = %.4g): use τ ≤ σ₁", tau, sigma[0])
	}
	return k, nil
}

// String describes the spec, e.g. "compact k=3" or "truncated τ=0.5".
func (s LayerSpec) String() string {
	switch s.Mode {
	case Compact:
		return fmt.Sprintf("compact k=%d", s.Rank)
	case Truncated:
		if s.Relative {
			return fmt.Sprintf("truncated τ=%g·σ₁", s.Threshold)
		}
		return fmt.Sprintf("truncated τ=%g", s.Threshold)
	}
	return s.Mode.String()
}

// Package annsvd implements ANN-SVD layers and networks for physics-informed
// neural networks (PINNs).
//
// A hidden-to-hidden weight W (m×n) is learned in factored form
//
//	W = U·diag(s)·Vᵀ,  U ∈ ℝ^{m×r}, s ∈ ℝ^r, V ∈ ℝ^{n×r},
//
// and the layer computes h₂ = σ(((h₁·U)·diag(s))·Vᵀ + b) without ever forming W,
// so its cost per point is r(m+n+1) multiply-adds instead of m·n. U, s, V (and the
// optional bias b) are all trained by back-propagation. The factors are initialised on
// the host from the SVD (gonum mat.SVD) of a Glorot-uniform W.
//
// # Modes
//
// The three SVD modes are named as in our specification:
//
//   - Thin: all r = min(m,n) singular triplets (at initialisation U·diag(s)·Vᵀ = W).
//   - Compact: keep the top k singular triplets (rank chosen by k).
//   - Truncated: keep the singular values σᵢ ≥ τ (rank chosen by a threshold τ,
//     absolute, or relative to σ₁).
//
// Naming note: the published reference code of Kurniati et al. (Results in Applied
// Mathematics 25, 2025, doi:10.1016/j.rinam.2024.100522) swaps the last two names: what
// it calls "truncated" keeps the top k, and what it calls "compact" keeps σ ≥ τ. To keep
// both readings unambiguous, every API and CLI flag here chooses the rank either by k
// (-rank, Compact, alias "topk") or by τ (-threshold, Truncated, alias "threshold").
//
// # Derivatives
//
// PINN residuals need u and its derivatives with respect to the input coordinates.
// Networks here propagate them forward as a [Jet] (value, ∂/∂xᵢ, ∂²/∂xᵢ²) built from
// ordinary GoMLX ops, so GoMLX's reverse-mode autodiff only has to differentiate the
// loss with respect to the parameters once. Nested graph.Gradient is kept as the
// reference path ([DerivAutodiff]) and tests check both agree.
//
// The training loop lives in package annsvd/solve, backend selection in annsvd/engine,
// the PDE catalogue in package problems.
package annsvd

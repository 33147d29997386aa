// Package svd is the ANN-SVD layer as a GoMLX layer builder, for any GoMLX model: a
// linear map x ↦ x·U·diag(s)·Vᵀ + b whose weight W = U·diag(s)·Vᵀ is learned in SVD
// form. In the style of GoMLX's fnn:
//
//	y := svd.New(ctx.In("svd_1"), x, 64).Compact(8).Done()
//
// The variables u (m×r), s (1×r), v (n×r) and b (1×n) are created in ctx the first time
// the graph is built, from the SVD of a Glorot-uniform W truncated to the kept rank
// (annsvd.InitSVD, the same initialisation as the PINN networks of package annsvd), and
// reused by later graphs. Modes: Thin (all min(m,n) triplets, the default), Compact(k)
// (the top k) and Truncated(τ) (σᵢ ≥ τ at initialisation), as in annsvd.LayerSpec. The
// layer has k(m+n+1) parameters, plus n with the bias.
//
// Errors in the configuration (a rank out of range, a threshold that keeps nothing, an
// input whose last axis does not match existing variables) panic with an "svd:" prefix
// while the graph is built, as GoMLX layers do.
package svd

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/annsvd/annsvd/annsvd"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Config is an SVD layer being configured; finish it with Done.
type Config struct {
	ctx     *context.Context
	x       *Node
	out     int
	spec    annsvd.LayerSpec
	seed    uint64
	seedSet bool
	product annsvd.Product
}

// New starts an SVD layer mapping x's last axis (m) to outputDim (n), Thin with a bias.
// Give each layer its own scope (ctx.In(name)).
func New(ctx *context.Context, x *Node, outputDim int) *Config {
	return &Config{ctx: ctx, x: x, out: outputDim, spec: annsvd.LayerSpec{Mode: annsvd.Thin}}
}

// Thin keeps all min(m, n) singular triplets.
func (c *Config) Thin() *Config { c.spec.Mode, c.spec.Rank = annsvd.Thin, 0; return c }

// Compact keeps the top k singular triplets (1 ≤ k ≤ min(m, n)).
func (c *Config) Compact(k int) *Config { c.spec.Mode, c.spec.Rank = annsvd.Compact, k; return c }

// Truncated keeps the singular values σᵢ ≥ τ of the initial W (τ > 0).
func (c *Config) Truncated(tau float64) *Config {
	c.spec.Mode, c.spec.Threshold, c.spec.Relative = annsvd.Truncated, tau, false
	return c
}

// TruncatedRelative keeps σᵢ ≥ τ·σ₁ (0 < τ ≤ 1).
func (c *Config) TruncatedRelative(tau float64) *Config {
	c.spec.Mode, c.spec.Threshold, c.spec.Relative = annsvd.Truncated, tau, true
	return c
}

// NoBias drops the bias b.
func (c *Config) NoBias() *Config { c.spec.NoBias = true; return c }

// Seed sets the seed of the Glorot draw (default: a hash of the context scope, so that
// layers in different scopes start differently and reruns start alike).
func (c *Config) Seed(seed uint64) *Config { c.seed, c.seedSet = seed, true; return c }

// Product sets the evaluation order (annsvd.ProductAuto by default: through the factors,
// or through W formed once when that costs fewer multiply-adds for this input).
func (c *Config) Product(p annsvd.Product) *Config { c.product = p; return c }

// Spec returns the layer spec configured so far.
func (c *Config) Spec() annsvd.LayerSpec { return c.spec }

// Done creates (or reuses) the variables and returns x·U·diag(s)·Vᵀ + b, with x's
// leading axes kept.
func (c *Config) Done() *Node {
	x := c.x
	if x == nil || x.Rank() < 1 {
		panic("svd: New needs an input of rank ≥ 1")
	}
	dims := x.Shape().Dimensions
	m, n := dims[len(dims)-1], c.out
	if m < 1 || n < 1 {
		panic(fmt.Sprintf("svd: layer %d×%d out of range: both sizes must be ≥ 1", m, n))
	}
	ctx := c.ctx
	g := x.Graph()
	if ctx.GetVariableByScopeAndName(ctx.Scope(), annsvd.VarU) == nil {
		seed := c.seed
		if !c.seedSet {
			h := fnv.New64a()
			h.Write([]byte(ctx.Scope()))
			seed = h.Sum64()
		}
		f, err := annsvd.InitSVD(rand.New(rand.NewPCG(seed, 0x5f3759df)), m, n, c.spec)
		if err != nil {
			panic(fmt.Sprintf("svd: scope %s, %d×%d: %v", ctx.Scope(), m, n, err))
		}
		f.CreateVariables(ctx, x.DType(), c.spec.NoBias)
	}
	u := ctx.GetVariableByScopeAndName(ctx.Scope(), annsvd.VarU)
	if got := u.Shape().Dimensions; got[0] != m {
		panic(fmt.Sprintf("svd: scope %s holds U %v, but the input's last axis is %d", ctx.Scope(), got, m))
	}
	un := u.ValueGraph(g)
	sn := ctx.GetVariableByScopeAndName(ctx.Scope(), annsvd.VarS).ValueGraph(g)
	vn := ctx.GetVariableByScopeAndName(ctx.Scope(), annsvd.VarV).ValueGraph(g)
	z := x
	if x.Rank() != 2 {
		z = Reshape(x, -1, m)
	}
	rows, r := z.Shape().Dimensions[0], u.Shape().Dimensions[1]
	var y *Node
	switch {
	case c.product == annsvd.ProductFormed, c.product == annsvd.ProductAuto && annsvd.FormCheaper(rows, m, n, r):
		y = Dot(z, annsvd.SVDWeight(un, sn, vn))
	default:
		y = annsvd.SVDFactored(z, un, sn, Transpose(vn, 0, 1))
	}
	if b := ctx.GetVariableByScopeAndName(ctx.Scope(), annsvd.VarB); b != nil && !c.spec.NoBias {
		y = Add(y, b.ValueGraph(g))
	}
	if x.Rank() != 2 {
		y = Reshape(y, append(dims[:len(dims)-1:len(dims)-1], n)...)
	}
	return y
}

// Params returns the parameter count of an m×n SVD layer of rank r: r(m+n+1), plus n
// with a bias.
func Params(m, n, r int, bias bool) int {
	p := r * (m + n + 1)
	if bias {
		p += n
	}
	return p
}

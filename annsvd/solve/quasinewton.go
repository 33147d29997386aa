package solve

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// QNUpdate names the quasi-Newton method of the phase after Adam.
type QNUpdate string

// The quasi-Newton methods: limited-memory BFGS (gonum's optimize.LBFGS) and the dense
// inverse-Hessian updates of DenseQN.
const (
	QNLBFGS     QNUpdate = "lbfgs"
	QNBFGS      QNUpdate = "bfgs"
	QNSSBFGS    QNUpdate = "ssbfgs"
	QNSSBroyden QNUpdate = "ssbroyden"
)

// QNUpdates lists the accepted QNUpdate names.
var QNUpdates = []QNUpdate{QNLBFGS, QNBFGS, QNSSBFGS, QNSSBroyden}

// QNNames lists the accepted QNUpdate names, comma separated.
var QNNames = func() string {
	names := make([]string, len(QNUpdates))
	for i, u := range QNUpdates {
		names[i] = string(u)
	}
	return strings.Join(names, ", ")
}()

// ParseQNUpdate parses a quasi-Newton method name ("" is lbfgs).
func ParseQNUpdate(s string) (QNUpdate, error) {
	if s == "" {
		return QNLBFGS, nil
	}
	for _, u := range QNUpdates {
		if string(u) == strings.ToLower(s) {
			return u, nil
		}
	}
	return "", fmt.Errorf("solve: quasi-Newton method %q unknown (allowed: %s)", s, QNNames)
}

// Label is the method's display name, e.g. "L-BFGS" (also for "") or "SSBroyden".
func (u QNUpdate) Label() string {
	switch u {
	case QNLBFGS, "":
		return "L-BFGS"
	case QNBFGS:
		return "BFGS"
	case QNSSBFGS:
		return "SSBFGS"
	case QNSSBroyden:
		return "SSBroyden"
	}
	return string(u)
}

// Dense reports whether the method keeps a dense p×p inverse-Hessian approximation.
func (u QNUpdate) Dense() bool { return u == QNBFGS || u == QNSSBFGS || u == QNSSBroyden }

// DefaultQNMaxParams bounds the parameter count p of the dense methods: their p×p
// float64 matrix then takes at most 2 GiB.
const DefaultQNMaxParams = 16384

// checkDenseQN refuses a dense method on p parameters above maxParams (0: the
// default), before anything is allocated.
func checkDenseQN(u QNUpdate, p, maxParams int) error {
	if !u.Dense() {
		return nil
	}
	if maxParams <= 0 {
		maxParams = DefaultQNMaxParams
	}
	if p > maxParams {
		return fmt.Errorf("solve: quasi-Newton %s on p = %d parameters needs a %d×%d float64 matrix (%.1f GiB): above the bound p ≤ %d; use lbfgs, a smaller or low-rank (SVD) network, or raise the bound (-qn-max-params, Config.QNMaxParams)",
			u, p, p, p, float64(p)*float64(p)*8/(1<<30), maxParams)
	}
	return nil
}

// DenseQN is a dense quasi-Newton optimize.Method in float64 for gonum's
// optimize.Minimize: the search direction is d = −H·g with a dense inverse-Hessian
// approximation H, the step is found by a line search (strong Wolfe, gonum's
// MoreThuente by default), and H is updated from s = x₊ − x, y = g₊ − g by the
// self-scaled Broyden family (Al-Baali, Math. Program. 1998; in the form of Urbán,
// Stefanou & Pons, J. Comput. Phys. 2025, arXiv 2405.04230, and Kiyani et al., CMAME
// 2025, arXiv 2501.16371):
//
//	H₊ = (1/τ)·[H − (H y)(H y)ᵀ/(yᵀH y) + φ·(yᵀH y)·w wᵀ] + s sᵀ/(yᵀs),
//	w = s/(yᵀs) − H y/(yᵀH y),
//
// with h = yᵀH y/(yᵀs), b = sᵀB s/(yᵀs) = −α·sᵀg/(yᵀs) (B = H⁻¹, s = α·d, so B s = −α g)
// and a = b·h − 1 ≥ 0:
//   - BFGS: τ = 1, φ = 1;
//   - SSBFGS (Al-Baali's scaling): φ = 1, τ = min(1, 1/b);
//   - SSBroyden (the "SSBroyden2" choice of Urbán et al.): with c = √(a/(1+a)),
//     ρ⁻ = min(1, h·(1−c)), θ⁻ = (ρ⁻−1)/a, θ⁺ = 1/ρ⁻, θ = max(θ⁻, min(θ⁺, (1−b)/b)),
//     σ = 1 + a·θ, σₙ = |σ|^{1/(1−n)} (n parameters), ρ̂ = min(1, 1/b):
//     τ = min(ρ̂·σₙ, σ) if θ ≤ 0, τ = ρ̂·min(σₙ, 1/θ) otherwise; φ = (1−θ)/σ. When a is
//     at rounding level (a < 1e-12, s and y nearly collinear through H) θ = 0, which
//     is SSBFGS.
//
// H starts as the identity; before the first update it is scaled to (sᵀy/yᵀy)·I
// (Nocedal & Wright, Numerical Optimization, 2nd ed., eq. 6.20). An update whose
// yᵀs ≤ 1e-12·‖s‖‖y‖, or whose τ, φ or coefficients are not finite, is skipped (H
// kept; Skipped counts them). H survives across Minimize calls unless Reset is called,
// so rounds of points (RAD) continue with the curvature learnt so far.
type DenseQN struct {
	// Update is QNBFGS, QNSSBFGS or QNSSBroyden.
	Update QNUpdate
	// Linesearcher finds the step (nil: MoreThuente, strong Wolfe with
	// c₁ = 1e-4, c₂ = 0.9).
	Linesearcher optimize.Linesearcher
	// GradStopThreshold is the ‖g‖∞ below which a minimisation ends (0: 1e-12; NaN:
	// off); Settings.GradientThreshold is gonum's own test on the same quantity.
	GradStopThreshold float64

	// Updates and Skipped count the applied and skipped updates (never reset).
	Updates, Skipped int

	ls      *optimize.LinesearchMethod
	status  optimize.Status
	err     error
	n       int
	h       blas64.Symmetric // upper triangle, row-major
	fresh   bool             // H is the identity: scale it before the first update
	x, g, d []float64        // location, gradient and direction of the last major iteration
	hy, tmp []float64
}

var (
	_ optimize.Method          = (*DenseQN)(nil)
	_ optimize.NextDirectioner = (*DenseQN)(nil)
	_ optimize.Statuser        = (*DenseQN)(nil)
)

// Reset forgets the approximation: the next minimisation starts from H = I.
func (q *DenseQN) Reset() {
	q.n = 0
	q.h.Data = nil
}

// denseState is what a DenseQN carries from one minimisation to the next (H's matrix,
// stored whole, row-major; whether it is still the unscaled identity; the counters),
// saved in checkpoints so that a run resumed between rounds continues with the same H.
type denseState struct {
	Update  QNUpdate `json:"update"`
	N       int      `json:"n"`
	Fresh   bool     `json:"fresh"`
	Updates int      `json:"updates"`
	Skipped int      `json:"skipped"`
	// Key names the n×n array of H in variables.npz ("" when H is not allocated).
	Key string `json:"key,omitempty"`
}

// state returns q's state between minimisations and a copy of H (nil if none).
func (q *DenseQN) state() (denseState, []float64) {
	st := denseState{Update: q.Update, N: q.n, Fresh: q.fresh, Updates: q.Updates, Skipped: q.Skipped}
	if q.h.Data == nil {
		return st, nil
	}
	return st, slices.Clone(q.h.Data)
}

// restoreDense rebuilds a DenseQN from a saved state and H (nil: not allocated yet).
func restoreDense(st denseState, h []float64) (*DenseQN, error) {
	q := &DenseQN{Update: st.Update, GradStopThreshold: math.NaN(), Updates: st.Updates, Skipped: st.Skipped}
	if h == nil {
		return q, nil
	}
	if st.N < 1 || len(h) != st.N*st.N {
		return nil, fmt.Errorf("quasi-Newton matrix has %d values, want %d×%d", len(h), st.N, st.N)
	}
	q.n, q.fresh = st.N, st.Fresh
	q.h = blas64.Symmetric{N: st.N, Stride: st.N, Uplo: blas.Upper, Data: h}
	q.hy, q.tmp = make([]float64, st.N), make([]float64, st.N)
	return q, nil
}

// Kept reports whether q holds an approximation learnt from earlier updates (false for
// a nil q, a new one, or after Reset).
func (q *DenseQN) Kept() bool { return q != nil && q.h.Data != nil && !q.fresh }

// Status implements optimize.Statuser.
func (q *DenseQN) Status() (optimize.Status, error) { return q.status, q.err }

// Uses implements optimize.Method: the gradient is needed.
func (q *DenseQN) Uses(has optimize.Available) (optimize.Available, error) {
	if !has.Grad {
		return optimize.Available{}, optimize.ErrMissingGrad
	}
	return optimize.Available{Grad: true}, nil
}

// Init implements optimize.Method: one task at a time.
func (q *DenseQN) Init(dim, tasks int) int {
	q.status, q.err = optimize.NotTerminated, nil
	return 1
}

// Run implements optimize.Method: it drives gonum's LinesearchMethod with q as the
// NextDirectioner over Minimize's task channels (evaluate the starting point if
// needed, report it as a major iteration, then iterate until Minimize ends the run or
// the gradient falls below GradStopThreshold).
func (q *DenseQN) Run(operation chan<- optimize.Task, result <-chan optimize.Task, tasks []optimize.Task) {
	q.status, q.err = q.run(operation, result, tasks[0])
	close(operation)
}

func (q *DenseQN) run(operation chan<- optimize.Task, result <-chan optimize.Task, task optimize.Task) (optimize.Status, error) {
	drain := func() {
		for range result {
		}
	}
	done := func(t optimize.Task) {
		t.Op = optimize.MethodDone
		operation <- t
		<-result
		drain()
	}
	// The starting point: Minimize may have evaluated it already.
	var need optimize.Operation
	if task.Op&optimize.FuncEvaluation == 0 {
		need |= optimize.FuncEvaluation
	}
	if task.Op&optimize.GradEvaluation == 0 {
		need |= optimize.GradEvaluation
	}
	task.Op = need
	operation <- task
	task = <-result
	if task.Op == optimize.PostIteration {
		drain()
		return optimize.NotTerminated, nil
	}
	if math.IsNaN(task.F) || math.IsInf(task.F, 1) {
		done(task)
		return optimize.Failure, optimize.ErrFunc(task.F)
	}
	for i, v := range task.Gradient {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			done(task)
			return optimize.Failure, optimize.ErrGrad{Grad: v, Index: i}
		}
	}
	if q.gradConverged(task.Gradient) {
		done(task)
		return optimize.GradientThreshold, nil
	}
	task.Op = optimize.MajorIteration
	operation <- task
	task = <-result
	if task.Op == optimize.PostIteration {
		drain()
		return optimize.NotTerminated, nil
	}
	if q.Linesearcher == nil {
		q.Linesearcher = &optimize.MoreThuente{}
	}
	q.ls = &optimize.LinesearchMethod{NextDirectioner: q, Linesearcher: q.Linesearcher}
	op, err := q.ls.Init(task.Location)
	if err != nil {
		done(task)
		return optimize.Failure, err
	}
	task.Op = op
	operation <- task
	for {
		r := <-result
		switch r.Op {
		case optimize.PostIteration:
			drain()
			return optimize.NotTerminated, nil
		case optimize.MajorIteration:
			if q.gradConverged(r.Gradient) {
				done(r)
				return optimize.GradientThreshold, nil
			}
		}
		op, err := q.ls.Iterate(r.Location)
		if err != nil {
			done(r)
			return optimize.Failure, err
		}
		r.Op = op
		operation <- r
	}
}

func (q *DenseQN) gradConverged(g []float64) bool {
	t := q.GradStopThreshold
	if math.IsNaN(t) || g == nil {
		return false
	}
	if t == 0 {
		t = 1e-12
	}
	return floats.Norm(g, math.Inf(1)) < t
}

// InitDirection implements optimize.NextDirectioner: d = −H·g with the kept
// approximation (step 1), or the steepest descent d = −g with step 1/‖g‖ when H is
// new.
func (q *DenseQN) InitDirection(loc *optimize.Location, dir []float64) float64 {
	n := len(loc.X)
	if q.n != n || q.h.Data == nil {
		q.n = n
		q.h = blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: make([]float64, n*n)}
		q.setIdentity(1)
		q.hy, q.tmp = make([]float64, n), make([]float64, n)
	}
	q.x = append(q.x[:0], loc.X...)
	q.g = append(q.g[:0], loc.Gradient...)
	step := 1.0
	if q.fresh {
		copy(dir, loc.Gradient)
		floats.Scale(-1, dir)
		step = 1 / floats.Norm(dir, 2)
	} else {
		q.direction(dir, loc.Gradient)
	}
	q.d = append(q.d[:0], dir...)
	return step
}

// NextDirection implements optimize.NextDirectioner: update H from the step just
// taken, then d = −H·g (step 1).
func (q *DenseQN) NextDirection(loc *optimize.Location, dir []float64) float64 {
	n := q.n
	s, y := make([]float64, n), make([]float64, n)
	floats.SubTo(s, loc.X, q.x)
	floats.SubTo(y, loc.Gradient, q.g)
	q.update(s, y)
	q.x = append(q.x[:0], loc.X...)
	q.g = append(q.g[:0], loc.Gradient...)
	q.direction(dir, loc.Gradient)
	q.d = append(q.d[:0], dir...)
	return 1
}

// direction writes −H·g into dir.
func (q *DenseQN) direction(dir, g []float64) {
	blas64.Symv(-1, q.h, blas64.Vector{N: q.n, Inc: 1, Data: g}, 0, blas64.Vector{N: q.n, Inc: 1, Data: dir})
}

func (q *DenseQN) setIdentity(scale float64) {
	clear(q.h.Data)
	for i := 0; i < q.n; i++ {
		q.h.Data[i*q.n+i] = scale
	}
	q.fresh = scale == 1
}

// update applies the self-scaled Broyden update for the step s (taken along q.d from
// q.x, where the gradient was q.g) and the gradient change y.
func (q *DenseQN) update(s, y []float64) {
	sy := floats.Dot(s, y)
	if !(sy > 1e-12*floats.Norm(s, 2)*floats.Norm(y, 2)) {
		q.Skipped++
		return
	}
	if q.fresh {
		q.setIdentity(sy / floats.Dot(y, y))
		q.fresh = false
	}
	n := q.n
	hy := q.hy
	blas64.Symv(1, q.h, blas64.Vector{N: n, Inc: 1, Data: y}, 0, blas64.Vector{N: n, Inc: 1, Data: hy})
	yhy := floats.Dot(y, hy)
	rho := 1 / sy
	tau, phi := 1.0, 1.0
	if q.Update != QNBFGS {
		// α: the step length along d (s = α·d).
		alpha := floats.Dot(s, q.d) / floats.Dot(q.d, q.d)
		if dbgQN {
			println("alpha", alpha)
		}
		b := -alpha * floats.Dot(s, q.g) * rho
		h := yhy * rho
		rhoHat := math.Min(1, 1/b)
		switch q.Update {
		case QNSSBFGS:
			tau = rhoHat
		case QNSSBroyden:
			a := math.Max(0, b*h-1)
			theta := 0.0
			if a >= 1e-12 {
				c := math.Sqrt(a / (1 + a))
				rhoM := math.Min(1, h*(1-c))
				thetaM, thetaP := (rhoM-1)/a, 1/rhoM
				theta = math.Max(thetaM, math.Min(thetaP, (1-b)/b))
			}
			sigma := 1 + a*theta
			sigmaN := math.Pow(math.Abs(sigma), 1/(1-float64(n)))
			if theta <= 0 {
				tau = math.Min(rhoHat*sigmaN, sigma)
			} else {
				tau = rhoHat * math.Min(sigmaN, 1/theta)
			}
			phi = (1 - theta) / sigma
		}
	}
	// Expanded: H₊ = H/τ + c₁·hy hyᵀ + c₂·(s hyᵀ + hy sᵀ) + c₃·s sᵀ.
	c1 := (phi - 1) / (tau * yhy)
	c2 := -phi * rho / tau
	c3 := phi*yhy*rho*rho/tau + rho
	inv := 1 / tau
	if !finite(tau, phi, c1, c2, c3, inv) || !(tau > 0) {
		q.Skipped++
		return
	}
	d := q.h.Data
	for i := 0; i < n; i++ {
		si, hi := s[i], hy[i]
		a1, a2 := c1*hi+c2*si, c2*hi+c3*si
		row := d[i*n+i : i*n+n]
		ss, hh := s[i:n], hy[i:n]
		for j := range row {
			row[j] = row[j]*inv + a1*hh[j] + a2*ss[j]
		}
	}
	q.Updates++
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

var dbgQN = false

package ref

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// MinQuadratureOrder and MaxQuadratureOrder bound the Gauss–Hermite order
// accepted by BurgersColeHopf, BurgersGrid and GaussHermite.
const (
	MinQuadratureOrder = 2
	MaxQuadratureOrder = 2000
)

// ghRule is an n-point Gauss–Hermite rule for the weight exp(−z²). The
// weights are kept as logarithms because for n ≳ 350 the outermost ones
// underflow float64.
type ghRule struct {
	z    []float64 // nodes, ascending, exactly antisymmetric
	logw []float64 // log of the weights, symmetric
}

var ghCache sync.Map // int → *ghRule

// GaussHermite returns the nodes z_k (ascending) and the natural logarithms
// of the weights w_k of the n-point Gauss–Hermite rule
// ∫ g(z)·exp(−z²) dz ≈ Σ w_k·g(z_k), for n in
// [MinQuadratureOrder, MaxQuadratureOrder]. Logarithms are returned because
// the outer weights underflow float64 for large n (w_k ≈ e^{−z_k²}).
//
// The nodes are the eigenvalues of the symmetric tridiagonal Jacobi matrix
// with off-diagonal √(k/2), k = 1…n−1 (Golub–Welsch), polished by Newton
// steps on the normalised Hermite function φ_n. The weights use
// w_k = e^{−z_k²} / (n·φ_{n−1}(z_k)²) where φ_j are the orthonormal Hermite
// functions, evaluated by their three-term recurrence with dynamic
// rescaling, so nothing overflows or underflows. The returned slices are
// fresh copies.
func GaussHermite(n int) (nodes, logWeights []float64, err error) {
	r, err := gaussHermite(n)
	if err != nil {
		return nil, nil, err
	}
	return append([]float64(nil), r.z...), append([]float64(nil), r.logw...), nil
}

func gaussHermite(n int) (*ghRule, error) {
	if n < MinQuadratureOrder || n > MaxQuadratureOrder {
		return nil, fmt.Errorf("ref: quadrature order %d out of range [%d, %d]", n, MinQuadratureOrder, MaxQuadratureOrder)
	}
	if r, ok := ghCache.Load(n); ok {
		return r.(*ghRule), nil
	}
	r, err := buildGaussHermite(n)
	if err != nil {
		return nil, err
	}
	actual, _ := ghCache.LoadOrStore(n, r)
	return actual.(*ghRule), nil
}

func buildGaussHermite(n int) (*ghRule, error) {
	j := mat.NewSymDense(n, nil)
	for k := 1; k < n; k++ {
		j.SetSym(k-1, k, math.Sqrt(float64(k)/2))
	}
	var eig mat.EigenSym
	if !eig.Factorize(j, false) {
		return nil, fmt.Errorf("ref: Gauss–Hermite order %d: eigen-decomposition of the Jacobi matrix failed", n)
	}
	z := eig.Values(nil) // ascending
	// Polish the positive half and mirror it, so the rule is exactly
	// symmetric (this makes the Burgers solution exactly odd in x).
	for k := n / 2; k < n; k++ {
		x := math.Abs(z[k])
		if n%2 == 1 && k == n/2 {
			x = 0
		} else {
			for it := 0; it < 8; it++ {
				pn, pn1, _ := hermiteFunctions(n, x)
				dx := pn / (math.Sqrt(2*float64(n))*pn1 - x*pn)
				x -= dx
				if math.Abs(dx) <= 1e-15*math.Max(1, x) {
					break
				}
			}
		}
		z[k] = x
		z[n-1-k] = -x
	}
	logw := make([]float64, n)
	for k := n / 2; k < n; k++ {
		x := z[k]
		_, pn1, logScale := hermiteFunctions(n, x)
		// φ_{n−1}(x) = pn1·e^{logScale}.
		lw := -x*x - math.Log(float64(n)) - 2*(math.Log(math.Abs(pn1))+logScale)
		logw[k] = lw
		logw[n-1-k] = lw
	}
	for k := range z {
		if !finite(z[k]) || !finite(logw[k]) {
			return nil, fmt.Errorf("ref: Gauss–Hermite order %d: non-finite node or weight at index %d", n, k)
		}
	}
	return &ghRule{z: z, logw: logw}, nil
}

// hermiteFunctions returns scaled values of the orthonormal Hermite
// functions φ_n(x) and φ_{n−1}(x), φ_j(x) = H_j(x)·e^{−x²/2}/√(2^j·j!·√π),
// as pn·e^{logScale} and pn1·e^{logScale}.
func hermiteFunctions(n int, x float64) (pn, pn1, logScale float64) {
	const big = 1e150
	logScale = -x*x/2 - 0.25*math.Log(math.Pi)
	prev, cur := 0.0, 1.0 // φ_{−1}, φ_0 (scaled)
	for j := 0; j < n; j++ {
		next := math.Sqrt(2/float64(j+1))*x*cur - math.Sqrt(float64(j)/float64(j+1))*prev
		prev, cur = cur, next
		if math.Abs(cur) > big {
			prev /= big
			cur /= big
			logScale += math.Log(big)
		}
	}
	return cur, prev, logScale
}

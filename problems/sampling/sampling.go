// Package sampling provides seeded and quasi-random point samplers for
// collocation points: Hammersley and Halton-type low-discrepancy sets laid
// out as in DeepXDE/scikit-optimize, Sobol' sequences with the Joe–Kuo
// direction numbers, and pseudo-random uniform samples in boxes and balls
// driven by a seeded math/rand/v2 PCG generator.
package sampling

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
)

// MaxHammersleyDim is the largest dimension accepted by Hammersley: the
// coordinates beyond the second use the radical inverses in the odd primes
// 3, 5, 7, …, the (MaxHammersleyDim−2)-th of which is the largest base.
const MaxHammersleyDim = 1000

// MaxSobolDim is the largest dimension accepted by Sobol (the embedded
// Joe–Kuo table covers dimensions 1…201).
const MaxSobolDim = 201

// radicalInverse returns the base-b radical inverse of i: the digits of i
// in base b mirrored about the radix point, e.g. for b = 2,
// i = 6 = 110₂ ↦ 0.011₂ = 0.375. It is computed as one division of the
// mirrored integer by b^k, so it is correctly rounded (and exact for b = 2).
func radicalInverse(i uint64, b uint64) float64 {
	var rev, denom uint64 = 0, 1
	for i > 0 {
		rev = rev*b + i%b
		denom *= b
		i /= b
	}
	return float64(rev) / float64(denom)
}

// Hammersley1D returns the n ≥ 1 one-dimensional Hammersley points used by
// DeepXDE: the base-2 van der Corput (radical inverse) values of the
// indices 1…n, skipping index 0 whose value is 0, i.e. Python's
// vdc(np.arange(1, n+1)). All values are exact dyadic rationals in (0, 1).
func Hammersley1D(n int) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("sampling: Hammersley n = %d out of range [1, +Inf)", n)
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = radicalInverse(uint64(i+1), 2)
	}
	return out, nil
}

// Hammersley returns n ≥ 1 Hammersley points in [0, 1)^dim,
// 1 ≤ dim ≤ MaxHammersleyDim, with the DeepXDE/scikit-optimize layout
// (first point [0, 0, …] skipped). For i = 1…n, point i−1 is
//
//	( φ₂(i), i·(1/(n+1)), φ₃(i), φ₅(i), φ₇(i), … )
//
// where φ_b is the base-b radical inverse; the second coordinate is
// computed exactly as numpy.linspace(0, 1, n+2)[i] (i times the step
// 1/(n+1)), so for dim = 2 the result equals bit for bit the Python
//
//	m = n + 1
//	pts = np.stack([vdc(np.arange(m)), np.linspace(0, 1, m + 1)[:-1]], 1)[1:]
//
// For dim ≥ 3 the extra coordinates are Halton radical inverses in the
// successive odd primes 3, 5, 7, … (correctly rounded). For dim = 1 the
// points are Hammersley1D(n), one per row.
func Hammersley(n, dim int) ([][]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("sampling: Hammersley n = %d out of range [1, +Inf)", n)
	}
	if dim < 1 || dim > MaxHammersleyDim {
		return nil, fmt.Errorf("sampling: Hammersley dim = %d out of range [1, %d]", dim, MaxHammersleyDim)
	}
	bases := primes(dim - 1) // 2, 3, 5, …
	step := 1 / float64(n+1)
	pts := make([][]float64, n)
	flat := make([]float64, n*dim)
	for k := range pts {
		p := flat[k*dim : (k+1)*dim : (k+1)*dim]
		i := uint64(k + 1)
		p[0] = radicalInverse(i, 2)
		if dim >= 2 {
			p[1] = float64(i) * step
		}
		for c := 2; c < dim; c++ {
			p[c] = radicalInverse(i, bases[c-1])
		}
		pts[k] = p
	}
	return pts, nil
}

// primes returns the first n primes (at least one).
func primes(n int) []uint64 {
	n = max(n, 1)
	ps := make([]uint64, 0, n)
	for c := uint64(2); len(ps) < n; c++ {
		prime := true
		for _, p := range ps {
			if p*p > c {
				break
			}
			if c%p == 0 {
				prime = false
				break
			}
		}
		if prime {
			ps = append(ps, c)
		}
	}
	return ps
}

const sobolBits = 32

var (
	sobolOnce sync.Once
	sobolDirs [][sobolBits]uint32 // sobolDirs[j][k] = v_{j,k+1}·2³²
	sobolErr  error
)

// loadSobol parses joeKuoTable and expands each dimension's direction
// numbers to 32 bits with the recurrence of Bratley & Fox (1988):
// v_k = a₁v_{k−1} ⊕ … ⊕ a_{s−1}v_{k−s+1} ⊕ v_{k−s} ⊕ (v_{k−s} ≫ s).
func loadSobol() {
	sobolDirs = make([][sobolBits]uint32, 1, MaxSobolDim)
	for k := range sobolBits {
		sobolDirs[0][k] = 1 << (sobolBits - 1 - k)
	}
	for _, line := range strings.Split(strings.TrimSpace(joeKuoTable), "\n") {
		f := strings.Fields(line)
		nums := make([]int, len(f))
		for i, s := range f {
			v, err := strconv.Atoi(s)
			if err != nil {
				sobolErr = fmt.Errorf("sampling: bad Sobol table line %q: %v", line, err)
				return
			}
			nums[i] = v
		}
		d, s, a, m := nums[0], nums[1], uint32(nums[2]), nums[3:]
		if d != len(sobolDirs)+1 || len(m) != s || s > sobolBits {
			sobolErr = fmt.Errorf("sampling: bad Sobol table line %q", line)
			return
		}
		var v [sobolBits]uint32
		for k := range s {
			v[k] = uint32(m[k]) << (sobolBits - 1 - k)
		}
		for k := s; k < sobolBits; k++ {
			v[k] = v[k-s] ^ (v[k-s] >> s)
			for j := 1; j < s; j++ {
				if (a>>(s-1-j))&1 == 1 {
					v[k] ^= v[k-j]
				}
			}
		}
		sobolDirs = append(sobolDirs, v)
	}
	if len(sobolDirs) != MaxSobolDim {
		sobolErr = fmt.Errorf("sampling: Sobol table has %d dimensions, want %d", len(sobolDirs), MaxSobolDim)
	}
}

// Sobol returns n ≥ 1 points of the unscrambled dim-dimensional Sobol'
// sequence in [0, 1)^dim, 1 ≤ dim ≤ MaxSobolDim, starting at index
// skip ≥ 0 (index 0 is the origin). It uses the Joe–Kuo
// new-joe-kuo-6.21201 direction numbers, 32-bit integers and Gray-code
// (Antonov–Saleev) ordering, so the points equal those of
// scipy.stats.qmc.Sobol(d, scramble=False): for dim = 2, indices 1, 2, 3, 4
// are (0.5, 0.5), (0.75, 0.25), (0.25, 0.75), (0.375, 0.375). DeepXDE drops
// the origin (skip = 1) for dim < 3 and also the point (0.5, …, 0.5)
// (skip = 2) for dim ≥ 3. skip + n must not exceed 2³².
func Sobol(n, dim, skip int) ([][]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("sampling: Sobol n = %d out of range [1, +Inf)", n)
	}
	if dim < 1 || dim > MaxSobolDim {
		return nil, fmt.Errorf("sampling: Sobol dim = %d out of range [1, %d]", dim, MaxSobolDim)
	}
	if uint64(n) > 1<<sobolBits {
		return nil, fmt.Errorf("sampling: Sobol n = %d out of range [1, %d]", n, uint64(1)<<sobolBits)
	}
	if skip < 0 || uint64(skip) > 1<<sobolBits-uint64(n) {
		return nil, fmt.Errorf("sampling: Sobol skip = %d out of range [0, %d] for n = %d", skip, uint64(1)<<sobolBits-uint64(n), n)
	}
	sobolOnce.Do(loadSobol)
	if sobolErr != nil {
		return nil, sobolErr
	}
	// State at index skip: x = ⊕ v_k over the set bits k of gray(skip).
	x := make([]uint32, dim)
	g := uint64(skip) ^ uint64(skip)>>1
	for k := 0; g != 0; k, g = k+1, g>>1 {
		if g&1 == 1 {
			for j := range x {
				x[j] ^= sobolDirs[j][k]
			}
		}
	}
	const scale = 1.0 / (1 << sobolBits)
	pts := make([][]float64, n)
	flat := make([]float64, n*dim)
	for i := range pts {
		p := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range x {
			p[j] = float64(x[j]) * scale
		}
		pts[i] = p
		// gray(idx+1) = gray(idx) ⊕ 2^c, c = number of trailing ones of idx.
		if idx := uint64(skip + i); i < n-1 {
			c := bits.TrailingZeros64(^idx)
			for j := range x {
				x[j] ^= sobolDirs[j][c]
			}
		}
	}
	return pts, nil
}

// NewRand returns a math/rand/v2 generator backed by a PCG source seeded
// with (seed, seed ⊕ 0x9e3779b97f4a7c15); equal seeds give equal streams.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Uniform returns n points drawn independently and uniformly from
// [0, 1)^dim with rng (e.g. NewRand(seed)), drawing the coordinates of each
// point in order. It returns nil when n < 1 or dim < 1.
func Uniform(rng *rand.Rand, n, dim int) [][]float64 {
	if n < 1 || dim < 1 {
		return nil
	}
	pts := make([][]float64, n)
	flat := make([]float64, n*dim)
	for i := range pts {
		p := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range p {
			p[j] = rng.Float64()
		}
		pts[i] = p
	}
	return pts
}

// Scale maps points from [0, 1]^d into the box [lo, hi] in place:
// p_j ← lo_j + (hi_j − lo_j)·p_j. It returns an error, leaving pts
// untouched, when len(lo) ≠ len(hi), when some lo_j ≥ hi_j or is not
// finite, or when a point's length differs from len(lo).
func Scale(pts [][]float64, lo, hi []float64) error {
	if len(lo) != len(hi) {
		return fmt.Errorf("sampling: Scale len(lo) = %d differs from len(hi) = %d", len(lo), len(hi))
	}
	for j := range lo {
		if !(lo[j] < hi[j]) || math.IsInf(lo[j], 0) || math.IsInf(hi[j], 0) {
			return fmt.Errorf("sampling: Scale box side %d: lo = %g, hi = %g, need finite lo < hi", j, lo[j], hi[j])
		}
	}
	for i, p := range pts {
		if len(p) != len(lo) {
			return fmt.Errorf("sampling: Scale point %d has dim = %d, want %d", i, len(p), len(lo))
		}
	}
	for _, p := range pts {
		for j := range p {
			p[j] = lo[j] + (hi[j]-lo[j])*p[j]
		}
	}
	return nil
}

// Ball returns n ≥ 1 points uniformly distributed in the open unit d-ball,
// d ≥ 1: a direction from a normalised standard normal vector times the
// radius U^{1/d}, U uniform on [0, 1).
func Ball(rng *rand.Rand, n, d int) ([][]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("sampling: Ball n = %d out of range [1, +Inf)", n)
	}
	if d < 1 {
		return nil, fmt.Errorf("sampling: Ball d = %d out of range [1, +Inf)", d)
	}
	pts := make([][]float64, n)
	flat := make([]float64, n*d)
	for i := range pts {
		p := flat[i*d : (i+1)*d : (i+1)*d]
		var norm2 float64
		for norm2 == 0 {
			norm2 = 0
			for j := range p {
				p[j] = rng.NormFloat64()
				norm2 += p[j] * p[j]
			}
		}
		r := math.Pow(rng.Float64(), 1/float64(d)) / math.Sqrt(norm2)
		for j := range p {
			p[j] *= r
		}
		pts[i] = p
	}
	return pts, nil
}

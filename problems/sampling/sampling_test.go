package sampling

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHammersley1D(t *testing.T) {
	// vdc(np.arange(1, 9)) in base 2.
	want := []float64{0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875, 0.0625}
	got, err := Hammersley1D(8)
	require.NoError(t, err)
	require.Equal(t, want, got)
	p, err := Hammersley(8, 1)
	require.NoError(t, err)
	for i := range want {
		require.Equal(t, []float64{want[i]}, p[i])
	}
	_, err = Hammersley1D(0)
	require.ErrorContains(t, err, "n = 0 out of range [1, +Inf)")
}

func TestHammersley2DMatchesPython(t *testing.T) {
	// np.stack([vdc(np.arange(5)), np.linspace(0, 1, 6)[:-1]], 1)[1:],
	// where np.linspace(0, 1, 6) = [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1].
	want := [][]float64{{0.5, 0.2}, {0.25, 0.4}, {0.75, 0.6000000000000001}, {0.125, 0.8}}
	got, err := Hammersley(4, 2)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// Larger n: second coordinate i/(n+1) to within an ulp, first the
	// bit-reversal of i.
	n := 1000
	got, err = Hammersley(n, 2)
	require.NoError(t, err)
	for k, p := range got {
		i := k + 1
		require.InDelta(t, float64(i)/float64(n+1), p[1], 2e-16)
		r := 0.0
		for b, f := i, 0.5; b > 0; b, f = b/2, f/2 {
			r += float64(b%2) * f
		}
		require.Equal(t, r, p[0])
		require.GreaterOrEqual(t, p[0], 0.0)
		require.Less(t, p[0], 1.0)
	}
}

func TestHammersleyHigherDims(t *testing.T) {
	got, err := Hammersley(5, 4)
	require.NoError(t, err)
	// Third coordinate: base-3 radical inverse of 1…5; fourth: base 5.
	third := []float64{1.0 / 3, 2.0 / 3, 1.0 / 9, 4.0 / 9, 7.0 / 9}
	fourth := []float64{0.2, 0.4, 0.6, 0.8, 1.0 / 25}
	for k := range got {
		require.Len(t, got[k], 4)
		require.InDelta(t, third[k], got[k][2], 1e-16)
		require.InDelta(t, fourth[k], got[k][3], 1e-16)
	}
	// 10-D: every coordinate in [0, 1) with mean ≈ 1/2.
	pts, err := Hammersley(4096, 10)
	require.NoError(t, err)
	for j := range 10 {
		var m float64
		inside := true
		for _, p := range pts {
			inside = inside && p[j] >= 0 && p[j] < 1
			m += p[j]
		}
		require.True(t, inside, "coordinate %d leaves [0, 1)", j)
		require.InDelta(t, 0.5, m/4096, 1e-2, "coordinate %d", j)
	}
	_, err = Hammersley(10, 0)
	require.ErrorContains(t, err, "dim = 0 out of range [1, 1000]")
	_, err = Hammersley(10, MaxHammersleyDim+1)
	require.ErrorContains(t, err, "dim = 1001 out of range")
	_, err = Hammersley(-3, 2)
	require.ErrorContains(t, err, "n = -3 out of range")
}

func TestSobolKnownPoints(t *testing.T) {
	// scipy.stats.qmc.Sobol(d=2, scramble=False).random(8).
	want := [][]float64{
		{0, 0}, {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75},
		{0.375, 0.375}, {0.875, 0.875}, {0.625, 0.125}, {0.125, 0.625},
	}
	got, err := Sobol(8, 2, 0)
	require.NoError(t, err)
	require.Equal(t, want, got)
	got, err = Sobol(4, 2, 1)
	require.NoError(t, err)
	require.Equal(t, want[1:5], got)
	// Starting mid-sequence agrees with the full sequence.
	got, err = Sobol(3, 2, 5)
	require.NoError(t, err)
	require.Equal(t, want[5:8], got)

	// Third dimension (s = 2, a = 1, m = 1, 3 ⇒ m₃ = 2·3 ⊕ 4·1 ⊕ 1 = 3):
	// v = 1/2, 3/4, 3/8, …; gray codes 0,1,3,2,6,7,5,4 give
	// 0, 1/2, 1/4, 3/4, 5/8, 1/8, 7/8, 3/8.
	got, err = Sobol(8, 3, 0)
	require.NoError(t, err)
	third := []float64{0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375}
	for i := range got {
		require.Equal(t, third[i], got[i][2], "point %d", i)
	}
}

// primitivePolys lists, in increasing order of the Joe–Kuo code a, the
// primitive polynomials x^s + a₁x^{s−1} + … + a_{s−1}x + 1 over GF(2): those
// for which x has multiplicative order 2^s − 1 modulo the polynomial.
func primitivePolys(s int) []uint32 {
	var out []uint32
	for a := uint32(0); a < 1<<(s-1); a++ {
		poly := uint32(1)<<s | a<<1 | 1
		r, order := uint32(1), 0
		for {
			r <<= 1 // multiply by x
			if r&(1<<s) != 0 {
				r ^= poly
			}
			order++
			if r == 1 || order > 1<<s {
				break
			}
		}
		if order == 1<<s-1 {
			out = append(out, a)
		}
	}
	return out
}

type joeKuoLine struct {
	d, s int
	a    uint32
	m    []uint32
}

func parseTable(t *testing.T) []joeKuoLine {
	var lines []joeKuoLine
	for _, line := range strings.Split(strings.TrimSpace(joeKuoTable), "\n") {
		var nums []int
		for _, f := range strings.Fields(line) {
			v, err := strconv.Atoi(f)
			require.NoError(t, err)
			nums = append(nums, v)
		}
		l := joeKuoLine{d: nums[0], s: nums[1], a: uint32(nums[2])}
		for _, v := range nums[3:] {
			l.m = append(l.m, uint32(v))
		}
		lines = append(lines, l)
	}
	return lines
}

// TestJoeKuoTable validates the embedded table: (s, a) must enumerate the
// primitive polynomials by degree and code, each m_k must be odd and below
// 2^k, and m must agree with the independent QuantLib copy (dims 2…129)
// and with spot values quoted elsewhere (dims 20, 50, 100, 200).
func TestJoeKuoTable(t *testing.T) {
	lines := parseTable(t)
	require.Len(t, lines, MaxSobolDim-1)
	var want []joeKuoLine
	for s := 1; len(want) < len(lines); s++ {
		for _, a := range primitivePolys(s) {
			want = append(want, joeKuoLine{s: s, a: a})
		}
	}
	for i, l := range lines {
		require.Equal(t, i+2, l.d)
		require.Equal(t, want[i].s, l.s, "degree of dimension %d", l.d)
		require.Equal(t, want[i].a, l.a, "polynomial of dimension %d", l.d)
		require.Len(t, l.m, l.s, "dimension %d", l.d)
		for k, m := range l.m {
			require.Equal(t, uint32(1), m&1, "m_%d of dimension %d must be odd", k+1, l.d)
			require.Less(t, m, uint32(1)<<(k+1), "m_%d of dimension %d", k+1, l.d)
		}
		if i < len(quantLibJoeKuo) {
			require.Equal(t, quantLibJoeKuo[i], l.m, "dimension %d vs QuantLib", l.d)
		}
	}
	spot := map[int][]uint32{
		20:  {1, 3, 7, 11, 23, 15, 103},
		50:  {1, 1, 1, 3, 23, 43, 57, 177},
		100: {1, 1, 5, 5, 11, 5, 45, 117, 217},
		200: {1, 3, 1, 3, 29, 25, 21, 155, 11, 191, 197},
	}
	for d, m := range spot {
		require.Equal(t, m, lines[d-2].m, "dimension %d", d)
	}
}

// TestSobolNetProperty: for every dimension, the first 2^m points project
// onto each axis as exactly {k/2^m}; the first two dimensions form a
// (0, m, 2)-net (one point in every dyadic box of area 2^−m).
func TestSobolNetProperty(t *testing.T) {
	const m = 10
	n := 1 << m
	pts, err := Sobol(n, MaxSobolDim, 0)
	require.NoError(t, err)
	for j := range MaxSobolDim {
		col := make([]float64, n)
		for i, p := range pts {
			col[i] = p[j]
		}
		sort.Float64s(col)
		want := make([]float64, n)
		for k := range want {
			want[k] = float64(k) / float64(n)
		}
		require.Equal(t, want, col, "dimension %d", j+1)
	}
	for a := 0; a <= m; a++ {
		seen := make(map[[2]int]bool)
		for _, p := range pts {
			box := [2]int{int(p[0] * float64(int(1)<<a)), int(p[1] * float64(int(1)<<(m-a)))}
			require.False(t, seen[box], "two points in box %v for split %d", box, a)
			seen[box] = true
		}
	}
}

func TestSobolUniformity(t *testing.T) {
	const n = 4096
	pts, err := Sobol(n, 100, 1)
	require.NoError(t, err)
	for j := range 100 {
		var m float64
		inside := true
		for _, p := range pts {
			inside = inside && p[j] >= 0 && p[j] < 1
			m += p[j]
		}
		require.True(t, inside, "dimension %d leaves [0, 1)", j+1)
		require.InDelta(t, 0.5, m/n, 1e-2, "dimension %d", j+1)
	}
	// The Sobol mean error is far below the Monte Carlo one (≈ 0.0045).
	pts, err = Sobol(n, 2, 0)
	require.NoError(t, err)
	var m0 float64
	for _, p := range pts {
		m0 += p[0]
	}
	require.InDelta(t, 0.5-0.5/n, m0/n, 1e-15)
}

func TestSobolErrors(t *testing.T) {
	_, err := Sobol(0, 2, 0)
	require.ErrorContains(t, err, "n = 0 out of range")
	_, err = Sobol(10, 0, 0)
	require.ErrorContains(t, err, "dim = 0 out of range [1, 201]")
	_, err = Sobol(10, 202, 0)
	require.ErrorContains(t, err, "dim = 202 out of range [1, 201]")
	_, err = Sobol(10, 2, -1)
	require.ErrorContains(t, err, "skip = -1 out of range")
	_, err = Sobol(10, 2, 1<<32)
	require.ErrorContains(t, err, "skip = 4294967296 out of range")
}

func TestUniform(t *testing.T) {
	a := Uniform(NewRand(42), 5000, 3)
	b := Uniform(NewRand(42), 5000, 3)
	c := Uniform(NewRand(43), 5000, 3)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)
	require.Len(t, a, 5000)
	for j := range 3 {
		var m float64
		for _, p := range a {
			require.Len(t, p, 3)
			require.GreaterOrEqual(t, p[j], 0.0)
			require.Less(t, p[j], 1.0)
			m += p[j]
		}
		// Standard error √(1/12/5000) ≈ 0.004.
		require.InDelta(t, 0.5, m/5000, 0.02)
	}
	require.Nil(t, Uniform(NewRand(1), 0, 3))
	require.Nil(t, Uniform(NewRand(1), 3, 0))
}

func TestScale(t *testing.T) {
	pts := [][]float64{{0, 0}, {1, 1}, {0.5, 0.25}}
	require.NoError(t, Scale(pts, []float64{-1, 2}, []float64{1, 6}))
	require.Equal(t, [][]float64{{-1, 2}, {1, 6}, {0, 3}}, pts)
	require.ErrorContains(t, Scale(pts, []float64{0}, []float64{1, 2}), "len(lo) = 1 differs from len(hi) = 2")
	require.ErrorContains(t, Scale(pts, []float64{0, 3}, []float64{1, 2}), "side 1: lo = 3, hi = 2")
	require.ErrorContains(t, Scale([][]float64{{0.5}}, []float64{0, 0}, []float64{1, 1}), "point 0 has dim = 1, want 2")
}

func TestBall(t *testing.T) {
	for _, d := range []int{1, 2, 3, 5} {
		const n = 20000
		pts, err := Ball(NewRand(uint64(d)), n, d)
		require.NoError(t, err)
		inner := 0
		mean := make([]float64, d)
		for _, p := range pts {
			var r2 float64
			for j, v := range p {
				r2 += v * v
				mean[j] += v / n
			}
			require.Less(t, r2, 1.0)
			if r2 < 0.25 {
				inner++
			}
		}
		// Uniform in the ball ⇒ P(|x| < 1/2) = 2^−d; binomial std ≤ 0.0036.
		require.InDelta(t, math.Pow(0.5, float64(d)), float64(inner)/n, 0.015, "d=%d", d)
		for j := range mean {
			require.InDelta(t, 0, mean[j], 0.03, "d=%d", d)
		}
	}
	_, err := Ball(NewRand(1), 0, 2)
	require.ErrorContains(t, err, "n = 0 out of range")
	_, err = Ball(NewRand(1), 5, 0)
	require.ErrorContains(t, err, "d = 0 out of range")
}

package annsvd

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// indexed returns a problem with two terms of size points whose point k is {k} and
// whose data row k is {10k}, and a third term of 2 points.
func indexed(size int) *Problem {
	mk := func(n int) Term {
		t := Term{Name: "t"}
		for k := range n {
			t.Points = append(t.Points, []float64{float64(k)})
			t.Data = append(t.Data, []float64{10 * float64(k)})
		}
		return t
	}
	return &Problem{Name: "indexed", Terms: func(uint64) ([]Term, error) {
		return []Term{mk(size), mk(size), mk(2)}, nil
	}}
}

func kept(t *testing.T, p *Problem, seed uint64) [][]int {
	ts, err := p.Terms(seed)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]int
	for _, term := range ts {
		var idx []int
		for j, pt := range term.Points {
			if term.Data[j][0] != 10*pt[0] {
				t.Fatalf("data row %v does not follow point %v", term.Data[j], pt)
			}
			idx = append(idx, int(pt[0]))
		}
		out = append(out, idx)
	}
	return out
}

func TestSubsample(t *testing.T) {
	got := kept(t, SubsampleStrided(indexed(10), 4), 1)
	if want := [][]int{{0, 2, 5, 7}, {0, 2, 5, 7}, {0, 1}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("strided: %v, want %v", got, want)
	}
	// Random: one stream per Terms call, consumed term after term.
	rng := rand.New(rand.NewPCG(3, 0x5ab5))
	want := [][]int{rng.Perm(10)[:4], rng.Perm(10)[:4], {0, 1}}
	got = kept(t, SubsampleRandom(indexed(10), 4), 3)
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("random: %v, want %v", got, want)
	}
	if other := kept(t, SubsampleRandom(indexed(10), 4), 4); slices.Equal(other[0], got[0]) && slices.Equal(other[1], got[1]) {
		t.Errorf("random: seeds 3 and 4 kept the same points %v", got)
	}
}

package problems

import (
	"math/rand/v2"
	"testing"
)

func TestSpaceTime(t *testing.T) {
	d := SpaceTime{X0: -1, X1: 2, T0: 0.5, T1: 1.5}
	in, err := d.Interior(3, 50)
	if err != nil || len(in) != 50 {
		t.Fatalf("Interior: %d points, %v", len(in), err)
	}
	inside := func(p []float64) bool { return p[0] >= d.X0 && p[0] <= d.X1 && p[1] >= d.T0 && p[1] <= d.T1 }
	for _, p := range in {
		if !inside(p) {
			t.Fatalf("interior point %v outside the box", p)
		}
	}
	bc, err := d.Boundary(3, 10)
	if err != nil || len(bc) != 10 {
		t.Fatalf("Boundary: %d points, %v", len(bc), err)
	}
	for i, p := range bc {
		if want := []float64{d.X0, d.X1}[i%2]; p[0] != want || !inside(p) {
			t.Fatalf("boundary point %d = %v: want x = %v inside the box", i, p, want)
		}
	}
	ic, err := d.Initial(3, 10)
	if err != nil || len(ic) != 10 {
		t.Fatalf("Initial: %d points, %v", len(ic), err)
	}
	for _, p := range ic {
		if p[1] != d.T0 || !inside(p) {
			t.Fatalf("initial point %v not on t = %v", p, d.T0)
		}
	}
	other, _ := d.Interior(4, 50)
	if other[0][0] == in[0][0] && other[0][1] == in[0][1] {
		t.Error("seeds 3 and 4 gave the same interior points")
	}
	for _, p := range d.Sampler()(rand.New(rand.NewPCG(1, 2)), 20) {
		if !inside(p) {
			t.Fatalf("sampled point %v outside the box", p)
		}
	}
	es, err := d.Grid(4, 3, func(x, t float64) float64 { return x + 10*t })
	if err != nil || len(es.Points) != 12 || es.Grid.X[3] != d.X1 || es.Grid.Y[2] != d.T1 || es.U[1] != d.X0+10*1.0 {
		t.Fatalf("Grid: %v, %+v", err, es)
	}
	if _, err := d.Grid(1, 3, nil); err == nil {
		t.Error("Grid 1×3: no error")
	}
}

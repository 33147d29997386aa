package main

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/problems"
)

// TestConfigureMatchesTrain: the library path problems.Entry.Configure (used by the
// notebooks and annsvd figures) gives the same problem, network and training settings as
// `annsvd train -problem NAME -preset P` for every problem and preset.
func TestConfigureMatchesTrain(t *testing.T) {
	for _, name := range problems.Names() {
		e, err := problems.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		presets := append([]string{""}, slices.Sorted(maps.Keys(e.Presets))...)
		for _, preset := range presets {
			t.Run(name+"/"+preset, func(t *testing.T) {
				f := newTrainFlags("train", true)
				args := []string{"-problem", name}
				if preset != "" {
					args = append(args, "-preset", preset)
				}
				if err := f.parse(args, nil); err != nil {
					t.Fatal(err)
				}
				j, err := problems.Resolve(f.o, annsvd.LayerSpec{})
				if err != nil {
					t.Fatal(err)
				}
				p, net, cfg, err := e.Configure(preset, 1)
				if err != nil {
					t.Fatal(err)
				}
				want, got := j.Net, net
				want.SVD, want.Product = nil, got.Product
				if !reflect.DeepEqual(got, want) {
					t.Errorf("network: Configure %+v, train %+v", got, want)
				}
				c, w := cfg, j.Train
				for _, d := range []struct {
					what      string
					got, want any
				}{
					{"Adam steps", c.AdamSteps, w.AdamSteps}, {"QN iterations", c.LBFGSIters, w.LBFGSIters},
					{"QN", c.QN, w.QN}, {"lr", c.LR, w.LR}, {"dtype", c.DType, w.DType}, {"seed", c.Seed, w.Seed},
					{"RBA", c.RBA, w.RBA}, {"weights", fmt.Sprint(c.Weights), fmt.Sprint(w.Weights)},
					{"hooks", hookTypes(c.Hooks), hookTypes(w.Hooks)},
				} {
					if !reflect.DeepEqual(d.got, d.want) {
						t.Errorf("%s: Configure %v, train %v", d.what, d.got, d.want)
					}
				}
				ct, err := p.Terms(1)
				if err != nil {
					t.Fatal(err)
				}
				jt, err := j.Problem.Terms(1)
				if err != nil {
					t.Fatal(err)
				}
				if termSizes(ct) != termSizes(jt) {
					t.Errorf("terms: Configure %s, train %s", termSizes(ct), termSizes(jt))
				}
			})
		}
	}
}

func hookTypes(hs []solve.Hook) string {
	s := ""
	for _, h := range hs {
		s += fmt.Sprintf("%T ", h)
	}
	return s
}

// termSizes names each term with its point count, e.g. "pde:2780 ".
func termSizes(ts []annsvd.Term) string {
	s := ""
	for _, t := range ts {
		s += fmt.Sprintf("%s:%d ", t.Name, len(t.Points))
	}
	return s
}

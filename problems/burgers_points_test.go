package problems_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/annsvd/annsvd/problems"
)

// burgersHash hashes Burgers' term names and points.
func burgersHash(t *testing.T) string {
	h := sha256.New()
	e, _ := problems.Get("burgers")
	for _, hard := range []bool{false, true} {
		for _, n := range []int{0, 300} {
			for _, seed := range []uint64{1, 7} {
				p, err := e.Build(problems.Options{Points: n, Hard: hard})
				if err != nil {
					t.Fatal(err)
				}
				terms, err := p.Terms(seed)
				if err != nil {
					t.Fatal(err)
				}
				for _, tm := range terms {
					h.Write([]byte(tm.Name))
					for _, pt := range tm.Points {
						for _, v := range pt {
							binary.Write(h, binary.LittleEndian, math.Float64bits(v))
						}
					}
				}
			}
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestBurgersPointsPinned pins Burgers' point sets (soft and hard, two point counts,
// two seeds) to their SHA-256: the DeepXDE-style sets the README's results were
// measured on must not change under a refactor.
func TestBurgersPointsPinned(t *testing.T) {
	if got := burgersHash(t); got != "a5254cf88bf0fa699c31e1b933ee14f4308837d1177b4f3a50de3b8104754f71" {
		t.Fatalf("Burgers point sets changed: SHA-256 %s", got)
	}
}

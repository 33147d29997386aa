package npy_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/annsvd/annsvd/annsvd/npy"
)

// Example writes a small solution in DeepXDE's Burgers.npz layout (x, t and
// usol with usol[i, j] = u(x[i], t[j])) and reads it back.
func Example() {
	dir, err := os.MkdirTemp("", "npy-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	x := &npy.Array{Shape: []int{3, 1}, Data: []float64{-1, 0, 1}}
	t := &npy.Array{Shape: []int{2, 1}, Data: []float64{0, 0.5}, DType: npy.Float32}
	usol := &npy.Array{Shape: []int{3, 2}, Data: []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5}}
	path := filepath.Join(dir, "Burgers.npz")
	if err := npy.WriteNPZ(path, map[string]*npy.Array{"x": x, "t": t, "usol": usol}); err != nil {
		fmt.Println(err)
		return
	}

	arrays, err := npy.ReadNPZ(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"x", "t", "usol"} {
		a := arrays[name]
		fmt.Println(name, a.Shape, a.DType, a.Data)
	}
	fmt.Println("usol(x=1, t=0.5) =", arrays["usol"].At(2, 1))
	if err := arrays["usol"].CheckFinite("usol"); err == nil {
		fmt.Println("usol is finite")
	}

	_, err = npy.ReadNPZMembers(path, "u")
	fmt.Println(err != nil)
	// Output:
	// x [3 1] <f8 [-1 0 1]
	// t [2 1] <f4 [0 0.5]
	// usol [3 2] <f8 [0 0.1 0.2 0.3 0.4 0.5]
	// usol(x=1, t=0.5) = 0.5
	// usol is finite
	// true
}

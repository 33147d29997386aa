package npy

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// python is the interpreter used for the NumPy interoperability test; the
// system one, never whatever python3 is first on PATH.
const python = "/usr/bin/python3"

// requireNumPy skips the test unless /usr/bin/python3 can import numpy.
func requireNumPy(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		t.Skipf("%s cannot import numpy (%v); skipping NumPy interoperability test", python, err)
	}
}

// runPython runs script with the given arguments and fails the test,
// showing the script's output, if it fails.
func runPython(t *testing.T, script string, args ...string) {
	t.Helper()
	out, err := exec.Command(python, append([]string{"-c", script}, args...)...).CombinedOutput()
	require.NoError(t, err, "python output:\n%s", out)
}

// Go writes, NumPy reads.
const pyCheckGo = `
import sys
import numpy as np
d = sys.argv[1]

def seq(shape, dtype):
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n, dtype=np.float64) * 0.25 - 3).reshape(shape).astype(dtype)

for name, dtype, shape in [("f8_2d", np.float64, (3, 4)), ("f4_1d", np.float32, (5,)),
                           ("f8_scalar", np.float64, ()), ("f4_empty", np.float32, (0,)),
                           ("f8_3d", np.float64, (2, 3, 2))]:
    a = np.load(d + "/" + name + ".npy", allow_pickle=False)
    assert a.dtype == dtype, (name, a.dtype)
    assert a.shape == shape, (name, a.shape)
    assert np.array_equal(a, seq(shape, dtype)), name
    assert a.flags.c_contiguous

for fn in ("go.npz", "go_compressed.npz"):
    with np.load(d + "/" + fn, allow_pickle=False) as z:
        assert sorted(z.files) == ["t", "usol", "x"], z.files
        # As DeepXDE's burgers example loads it.
        t, x, exact = z["t"], z["x"], z["usol"].T
        assert x.shape == (256, 1) and t.shape == (100, 1) and exact.shape == (100, 256)
        assert x.dtype == np.float64 and exact.dtype == np.float64
        xx = np.linspace(-1, 1, 256)
        tt = np.linspace(0, 0.99, 100)
        assert np.allclose(x[:, 0], xx, rtol=0, atol=1e-15)
        assert np.allclose(t[:, 0], tt, rtol=0, atol=1e-15)
        u = -np.sin(np.pi * x) * np.exp(-t.T)
        assert np.allclose(z["usol"], u, rtol=0, atol=1e-15)
`

// NumPy writes, Go reads.
const pyWrite = `
import sys
import numpy as np
d = sys.argv[1]

def seq(shape, dtype):
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n, dtype=np.float64) * 0.25 - 3).reshape(shape).astype(dtype)

np.save(d + "/np_f8.npy", seq((3, 4), np.float64))
np.save(d + "/np_f4.npy", seq((2, 5), np.float32))
np.save(d + "/np_i8.npy", np.arange(-3, 3, dtype=np.int64).reshape(2, 3))
np.save(d + "/np_i4.npy", np.arange(-3, 3, dtype=np.int32))
np.save(d + "/np_scalar.npy", np.float64(2.5))
np.save(d + "/np_empty.npy", np.zeros((0, 3)))
np.save(d + "/np_fortran.npy", np.asfortranarray(seq((3, 4), np.float64)))
np.save(d + "/np_big.npy", seq((3,), np.dtype(">f8")))
np.save(d + "/np_object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
x = np.linspace(-1, 1, 256).reshape(256, 1)
t = np.linspace(0, 0.99, 100).reshape(100, 1)
usol = -np.sin(np.pi * x) * np.exp(-t.T)
np.savez(d + "/np.npz", x=x, t=t, usol=usol)
np.savez_compressed(d + "/np_compressed.npz", x=x, t=t, usol=usol.astype(np.float32))
np.savez(d + "/np_positional.npz", seq((2,), np.float64), seq((3,), np.float32))
`

func TestNumPyInterop(t *testing.T) {
	requireNumPy(t)
	dir := t.TempDir()

	// Go -> NumPy.
	for _, c := range []struct {
		name  string
		dt    string
		shape []int
	}{
		{"f8_2d", Float64, []int{3, 4}},
		{"f4_1d", Float32, []int{5}},
		{"f8_scalar", Float64, nil},
		{"f4_empty", Float32, []int{0}},
		{"f8_3d", Float64, []int{2, 3, 2}},
	} {
		n := (&Array{Shape: c.shape}).Len()
		require.NoError(t, WriteFile(filepath.Join(dir, c.name+".npy"), &Array{Shape: c.shape, Data: seq(n), DType: c.dt}))
	}
	require.NoError(t, WriteNPZ(filepath.Join(dir, "go.npz"), burgers()))
	require.NoError(t, WriteNPZCompressed(filepath.Join(dir, "go_compressed.npz"), burgers()))
	runPython(t, pyCheckGo, dir)

	// NumPy -> Go.
	runPython(t, pyWrite, dir)
	read := func(name string) *Array {
		a, err := ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		return a
	}
	a := read("np_f8.npy")
	require.Equal(t, []int{3, 4}, a.Shape)
	require.Equal(t, Float64, a.DType)
	require.Equal(t, seq(12), a.Data)
	a = read("np_f4.npy")
	require.Equal(t, []int{2, 5}, a.Shape)
	require.Equal(t, Float32, a.DType)
	require.Equal(t, seq(10), a.Data)
	a = read("np_i8.npy")
	require.Equal(t, Int64, a.DType)
	require.Equal(t, []float64{-3, -2, -1, 0, 1, 2}, a.Data)
	a = read("np_i4.npy")
	require.Equal(t, Int32, a.DType)
	require.Equal(t, []float64{-3, -2, -1, 0, 1, 2}, a.Data)
	a = read("np_scalar.npy")
	require.Empty(t, a.Shape)
	require.Equal(t, 2.5, a.At())
	a = read("np_empty.npy")
	require.Equal(t, []int{0, 3}, a.Shape)
	require.Empty(t, a.Data)

	for name, want := range map[string]string{
		"np_fortran.npy": "fortran_order True",
		"np_big.npy":     `big-endian dtype ">f8"`,
		"np_object.npy":  `object dtype "|O"`,
	} {
		_, err := ReadFile(filepath.Join(dir, name))
		require.ErrorContains(t, err, want, name)
	}

	want := burgers()
	for _, fn := range []string{"np.npz", "np_compressed.npz"} {
		m, err := ReadNPZ(filepath.Join(dir, fn))
		require.NoError(t, err, fn)
		require.Len(t, m, 3)
		require.Equal(t, []int{256, 1}, m["x"].Shape)
		require.Equal(t, []int{100, 1}, m["t"].Shape)
		require.Equal(t, []int{256, 100}, m["usol"].Shape)
		for k, w := range want {
			for i, v := range w.Data {
				require.InDelta(t, v, m[k].Data[i], 1e-6, "%s %s[%d]", fn, k, i)
			}
		}
	}
	m, err := ReadNPZ(filepath.Join(dir, "np_compressed.npz"))
	require.NoError(t, err)
	require.Equal(t, Float32, m["usol"].DType)
	m, err = ReadNPZ(filepath.Join(dir, "np_positional.npz"))
	require.NoError(t, err)
	require.Equal(t, seq(2), m["arr_0"].Data)
	require.Equal(t, Float32, m["arr_1"].DType)

	// NumPy's files survive a Go round trip byte for byte in content.
	out := filepath.Join(dir, "rewritten.npz")
	m, err = ReadNPZ(filepath.Join(dir, "np.npz"))
	require.NoError(t, err)
	require.NoError(t, WriteNPZ(out, m))
	runPython(t, `
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert sorted(a.files) == sorted(b.files)
for k in a.files:
    assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), k
`, filepath.Join(dir, "np.npz"), out)
}

package npy

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// seedArrays returns small arrays covering every dtype and rank.
func seedArrays() []*Array {
	return []*Array{
		{Shape: []int{2, 3}, Data: seq(6)},
		{Shape: []int{3}, Data: seq(3), DType: Float32},
		{Shape: []int{2, 2}, Data: ints(4), DType: Int64},
		{Shape: []int{1}, Data: ints(1), DType: Int32},
		{Data: []float64{math.Pi}},
		{Shape: []int{0}, Data: []float64{}},
		{Shape: []int{4, 1}, Data: []float64{math.NaN(), math.Inf(1), -0.0, 1e-310}},
	}
}

// totalAlloc returns the cumulative bytes allocated on the heap by this
// process. runtime.ReadMemStats flushes the per-P allocation caches, so
// the count is exact (runtime/metrics is cheaper but attributes cached
// spans late, which makes a bound flaky).
func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// sameData compares float64 slices, treating NaNs as equal.
func sameData(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func FuzzRead(f *testing.F) {
	for _, a := range seedArrays() {
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(rawNPY(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }\n", []byte{0, 0, 128, 63}))
	f.Add(rawNPY(3, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1L,)}", f64Bytes(1)))
	f.Add(rawNPY(1, "{'descr': [('a', '<f8')], 'fortran_order': True, 'shape': (-1,), }\n", nil))
	f.Add(rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }\n", f64Bytes(1)))

	f.Fuzz(func(t *testing.T, b []byte) {
		before := totalAlloc()
		a, n, err := readArray(bytes.NewReader(b), source{size: -1, noun: "input"})
		a2, n2, err2 := readArray(bytes.NewReader(b), source{size: int64(len(b)), prealloc: int64(len(b)), noun: "file"})
		used := totalAlloc() - before
		if limit := uint64(1<<20 + 64*len(b)); used > limit {
			t.Fatalf("allocated %d bytes for a %d-byte input (limit %d)", used, len(b), limit)
		}
		if (err == nil) != (err2 == nil) {
			t.Fatalf("stream and sized readers disagree: %v vs %v", err, err2)
		}
		if err != nil {
			return
		}
		if n != n2 || n > int64(len(b)) {
			t.Fatalf("consumed %d and %d bytes of %d", n, n2, len(b))
		}
		if a.Validate() != nil || a.Len() != len(a.Data) || !sameData(a.Data, a2.Data) {
			t.Fatalf("inconsistent array: shape %v, %d elements, %v", a.Shape, len(a.Data), a.Validate())
		}
		// Whatever was read can be written and read back unchanged.
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatalf("writing back: %v", err)
		}
		c, err := Read(&buf)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if c.DType != a.DType || len(c.Shape) != len(a.Shape) || !sameData(a.Data, c.Data) {
			t.Fatalf("round trip changed the array")
		}
	})
}

// decompressedSize returns the total size of the members of a zip archive
// as far as they can be decompressed, or 0 if it is not a zip archive.
func decompressedSize(b []byte) uint64 {
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if zr == nil {
		return 0
	}
	var total uint64
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			continue
		}
		n, _ := io.Copy(io.Discard, rc)
		rc.Close()
		total += uint64(n)
	}
	return total
}

// smallNPZ builds a compact archive for the fuzz corpus: minimal headers
// and no data descriptors keep seeds small, which keeps the fuzzer's
// quadratic minimization of interesting inputs fast.
func smallNPZ(method uint16, members ...[]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, m := range members {
		fh := &zip.FileHeader{Name: string(rune('a'+i)) + ".npy", Method: method}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(m); err != nil {
			return nil, err
		}
	}
	err := zw.Close()
	return buf.Bytes(), err
}

func FuzzReadNPZ(f *testing.F) {
	f8 := rawNPY(1, "{'descr':'<f8','fortran_order':False,'shape':(1,)}", f64Bytes(1.5))
	f4 := rawNPY(1, "{'descr':'<f4','fortran_order':False,'shape':(2,1)}", []byte{0, 0, 128, 63, 0, 0, 0, 64})
	i4 := rawNPY(3, "{'descr':'<i4','fortran_order':False,'shape':()}", []byte{7, 0, 0, 0})
	for _, seed := range []struct {
		method  uint16
		members [][]byte
	}{
		{zip.Store, [][]byte{f8}},
		{zip.Deflate, [][]byte{f4}},
		{zip.Store, [][]byte{i4, f8}},
	} {
		b, err := smallNPZ(seed.method, seed.members...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// One archive as WriteNPZCompressed writes it.
	path := filepath.Join(f.TempDir(), "seed.npz")
	if err := WriteNPZCompressed(path, map[string]*Array{"x": {Shape: []int{2, 1}, Data: []float64{-1, 1}}}); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)

	f.Fuzz(func(t *testing.T, b []byte) {
		limit := uint64(1<<20+256*len(b)) + 8*decompressedSize(b)
		before := totalAlloc()
		m, err := readNPZ(bytes.NewReader(b), int64(len(b)), nil)
		used := totalAlloc() - before
		if used > limit {
			t.Fatalf("allocated %d bytes for a %d-byte input (limit %d)", used, len(b), limit)
		}
		if err != nil {
			return
		}
		for name, a := range m {
			if a == nil || a.Validate() != nil || a.Len() != len(a.Data) {
				t.Fatalf("inconsistent array %q", name)
			}
		}
	})
}

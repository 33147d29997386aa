package npy

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// burgers returns arrays in DeepXDE's Burgers.npz layout.
func burgers() map[string]*Array {
	x := &Array{Shape: []int{256, 1}, Data: make([]float64, 256)}
	for i := range x.Data {
		x.Data[i] = -1 + 2*float64(i)/255
	}
	tt := &Array{Shape: []int{100, 1}, Data: make([]float64, 100)}
	for j := range tt.Data {
		tt.Data[j] = 0.99 * float64(j) / 99
	}
	u := &Array{Shape: []int{256, 100}, Data: make([]float64, 256*100)}
	for i := 0; i < 256; i++ {
		for j := 0; j < 100; j++ {
			u.Data[i*100+j] = -math.Sin(math.Pi*x.Data[i]) * math.Exp(-tt.Data[j])
		}
	}
	return map[string]*Array{"x": x, "t": tt, "usol": u}
}

func TestBurgersLayout(t *testing.T) {
	in := burgers()
	for _, write := range []func(string, map[string]*Array) error{WriteNPZ, WriteNPZCompressed} {
		path := filepath.Join(t.TempDir(), "Burgers.npz")
		require.NoError(t, write(path, in))
		out, err := ReadNPZ(path)
		require.NoError(t, err)
		require.Len(t, out, 3)
		require.Equal(t, []int{256, 1}, out["x"].Shape)
		require.Equal(t, []int{100, 1}, out["t"].Shape)
		require.Equal(t, []int{256, 100}, out["usol"].Shape)
		for k, a := range in {
			require.Equal(t, Float64, out[k].DType, k)
			require.Equal(t, a.Data, out[k].Data, k)
			require.NoError(t, out[k].CheckFinite(k))
		}
		require.Equal(t, in["usol"].Data[17*100+42], out["usol"].At(17, 42))
		require.Equal(t, in["x"].Data[255], out["x"].At(255, 0))

		// Members are NAME.npy in sorted order, as np.load expects.
		zr, err := zip.OpenReader(path)
		require.NoError(t, err)
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		require.NoError(t, zr.Close())
		require.Equal(t, []string{"t.npy", "usol.npy", "x.npy"}, names)

		sub, err := ReadNPZMembers(path, "usol")
		require.NoError(t, err)
		require.Len(t, sub, 1)
		require.Equal(t, in["usol"].Data, sub["usol"].Data)
	}
}

func TestNPZDeterministicAndMixed(t *testing.T) {
	dir := t.TempDir()
	arrays := map[string]*Array{
		"f4":     {Shape: []int{3, 2}, Data: seq(6), DType: Float32},
		"i8":     {Shape: []int{4}, Data: ints(4), DType: Int64},
		"scalar": {Data: []float64{2.5}},
		"empty":  {Shape: []int{0}, Data: []float64{}},
		"a/b":    {Shape: []int{1}, Data: []float64{1}},
	}
	p1, p2 := filepath.Join(dir, "1.npz"), filepath.Join(dir, "2.npz")
	require.NoError(t, WriteNPZCompressed(p1, arrays))
	require.NoError(t, WriteNPZCompressed(p2, arrays))
	b1, err := os.ReadFile(p1)
	require.NoError(t, err)
	b2, err := os.ReadFile(p2)
	require.NoError(t, err)
	require.Equal(t, b1, b2)

	out, err := ReadNPZ(p1)
	require.NoError(t, err)
	require.Len(t, out, len(arrays))
	for k, a := range arrays {
		require.Equal(t, a.Data, out[k].Data, k)
		require.Equal(t, len(a.Shape), len(out[k].Shape), k)
	}
	require.Equal(t, Float32, out["f4"].DType)
	require.Equal(t, Int64, out["i8"].DType)

	require.NoError(t, WriteNPZ(p1, map[string]*Array{}))
	out, err = ReadNPZ(p1)
	require.NoError(t, err)
	require.Empty(t, out)
}

// zipBytes builds a zip archive in memory.
func zipBytes(t *testing.T, method uint16, members ...any) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(members); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: members[i].(string), Method: method})
		require.NoError(t, err)
		_, err = w.Write(members[i+1].([]byte))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func npyOf(t *testing.T, a *Array) []byte {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, a))
	return buf.Bytes()
}

func TestNPZErrors(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	x := npyOf(t, &Array{Shape: []int{2}, Data: []float64{1, 2}})

	// Missing member.
	p := put("missing.npz", zipBytes(t, zip.Deflate, "x.npy", x, "t.npy", x))
	_, err := ReadNPZMembers(p, "x", "usol")
	require.EqualError(t, err, "npy: "+p+`: missing array "usol" (archive has "t", "x")`)

	// Not a zip at all, and a truncated zip.
	p = put("text.npz", []byte("this is not a zip file"))
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, "npy: "+p+": not a valid .npz (zip) archive")
	good := zipBytes(t, zip.Store, "x.npy", x)
	p = put("trunc.npz", good[:len(good)-10])
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, "npy: "+p+": not a valid .npz (zip) archive")

	// A flipped data byte in a stored member: CRC mismatch.
	bad := bytes.Clone(good)
	i := bytes.Index(bad, x) + len(x) - 1
	bad[i] ^= 0x40
	p = put("crc.npz", bad)
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `npy: `+p+`: member "x.npy": corrupt data: zip: checksum error`)

	// Corrupt deflate stream.
	comp := zipBytes(t, zip.Deflate, "x.npy", x)
	cbad := bytes.Clone(comp)
	for k := 40; k < 60; k++ {
		cbad[k] ^= 0xa5
	}
	p = put("deflate.npz", cbad)
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `npy: `+p+`: member "x.npy": `)

	// Member with truncated .npy data (consistent zip).
	p = put("short.npz", zipBytes(t, zip.Store, "x.npy", x[:len(x)-4]))
	_, err = ReadNPZ(p)
	require.EqualError(t, err, `npy: `+p+`: member "x.npy": truncated data: header says shape (2,) float64 = 16 bytes, member has 12 after the 128-byte header`)

	// Member with more data than its shape.
	p = put("long.npz", zipBytes(t, zip.Deflate, "x.npy", append(bytes.Clone(x), 0, 0, 0, 0, 0, 0, 0, 0)))
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `member "x.npy": trailing data`)

	// Member that is not an array.
	p = put("pickle.npz", zipBytes(t, zip.Store, "x.npy", []byte("\x80\x04K\x01.")))
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `member "x.npy": bad magic`)
	p = put("other.npz", zipBytes(t, zip.Store, "readme.txt", []byte("hi")))
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `member "readme.txt" is not a .npy file`)
	p = put("dup.npz", zipBytes(t, zip.Store, "x.npy", x, "x.npy", x))
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `duplicate member "x.npy"`)

	// Fortran-ordered member.
	fo := rawNPY(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }\n", f64Bytes(1, 2))
	p = put("fortran.npz", zipBytes(t, zip.Deflate, "x.npy", fo))
	_, err = ReadNPZ(p)
	require.ErrorContains(t, err, `member "x.npy": fortran_order True`)

	_, err = ReadNPZ(filepath.Join(dir, "nope.npz"))
	require.ErrorContains(t, err, "no such file")
}

func TestNPZMemberSizeLie(t *testing.T) {
	// A member whose header declares a 1 TiB array and whose zip entry
	// claims a matching uncompressed size must not cause a huge
	// allocation: memory grows only with the bytes actually read.
	x := rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (137438953462,), }\n", f64Bytes(1, 2))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fh := &zip.FileHeader{Name: "x.npy", Method: zip.Store, CRC32: crc32.ChecksumIEEE(x),
		CompressedSize64: uint64(len(x)), UncompressedSize64: 1 << 40}
	w, err := zw.CreateRaw(fh)
	require.NoError(t, err)
	_, err = w.Write(x)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	b := buf.Bytes()
	_, err = readNPZ(bytes.NewReader(b), int64(len(b)), nil)
	require.ErrorContains(t, err, `member "x.npy": truncated data: header says shape (137438953462,) float64 = 1099511627696 bytes, member ends after 16`)
}

func TestWriteNPZErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.npz")
	err := WriteNPZ(p, map[string]*Array{"ok": {Data: []float64{1}}, "bad": {Shape: []int{2}, Data: []float64{1}}})
	require.EqualError(t, err, "npy: "+p+`: array "bad": shape (2,) needs 2 elements, Data has 1`)
	require.ErrorContains(t, WriteNPZ(p, map[string]*Array{"": {Data: []float64{1}}}), "empty array name")
	require.ErrorContains(t, WriteNPZ(p, map[string]*Array{"n": nil}), `array "n": nil array`)
	// An encoding failure midway leaves nothing behind.
	err = WriteNPZ(p, map[string]*Array{"a": {Data: []float64{1}}, "b": {Data: []float64{1e300}, DType: Float32}})
	require.ErrorContains(t, err, `array "b": value 1e+300 at index () overflows float32`)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rawNPY builds a .npy file by hand: magic, version, little-endian header
// length (2 bytes for version 1, 4 otherwise), the header text verbatim and
// the data.
func rawNPY(major byte, hdr string, data []byte) []byte {
	b := []byte("\x93NUMPY")
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	}
	b = append(b, hdr...)
	return append(b, data...)
}

// f64Bytes encodes vs as little-endian float64s.
func f64Bytes(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// seq returns n values that are exact in float32 and int32.
func seq(n int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i)*0.25 - 3
	}
	return d
}

func ints(n int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i*7 - 20)
	}
	return d
}

func TestRoundTrip(t *testing.T) {
	shapes := [][]int{nil, {}, {0}, {1}, {5}, {3, 4}, {2, 0, 3}, {2, 3, 4}, {256, 1}, {1, 1, 1, 1, 2}}
	for _, dt := range []string{Float64, Float32, Int64, Int32, ""} {
		for _, shape := range shapes {
			n := 1
			for _, d := range shape {
				n *= d
			}
			data := seq(n)
			if dt == Int64 || dt == Int32 {
				data = ints(n)
			}
			in := &Array{Shape: shape, Data: data, DType: dt}
			name := dt + formatShape(shape)
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				require.NoError(t, Write(&buf, in))
				require.Equal(t, 63, bytes.IndexByte(buf.Bytes(), '\n')%64, "data must start at a multiple of 64")
				out, err := Read(bytes.NewReader(buf.Bytes()))
				require.NoError(t, err)
				wantDT := dt
				if wantDT == "" {
					wantDT = Float64
				}
				require.Equal(t, wantDT, out.DType)
				require.Equal(t, len(shape), len(out.Shape))
				if len(shape) > 0 {
					require.Equal(t, shape, out.Shape)
				}
				require.Equal(t, data, out.Data)
				require.Equal(t, n, out.Len())

				path := filepath.Join(t.TempDir(), "a.npy")
				require.NoError(t, WriteFile(path, in))
				out2, err := ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, out, out2)
				disk, err := os.ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, buf.Bytes(), disk)
			})
		}
	}
}

func TestRoundTripSpecialValues(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64, math.MaxFloat64, 1e-310, math.Pi}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, &Array{Shape: []int{len(vals)}, Data: vals, DType: Float64}))
	out, err := Read(&buf)
	require.NoError(t, err)
	for i, v := range vals {
		require.Equal(t, math.Float64bits(v), math.Float64bits(out.Data[i]), "index %d", i)
	}

	// float32 rounds; infinities and NaN survive.
	f32 := []float64{math.Pi, math.Inf(-1), math.NaN(), math.MaxFloat32, 1e-45}
	buf.Reset()
	require.NoError(t, Write(&buf, &Array{Shape: []int{len(f32)}, Data: f32, DType: Float32}))
	out, err = Read(&buf)
	require.NoError(t, err)
	require.Equal(t, float64(float32(math.Pi)), out.Data[0])
	require.True(t, math.IsInf(out.Data[1], -1))
	require.True(t, math.IsNaN(out.Data[2]))
	require.Equal(t, float64(float32(math.MaxFloat32)), out.Data[3])
	require.Equal(t, float64(float32(1e-45)), out.Data[4])
}

func TestWriteRejectsUnrepresentable(t *testing.T) {
	cases := []struct {
		a    *Array
		want string
	}{
		{&Array{Shape: []int{2}, Data: []float64{1, 1e300}, DType: Float32}, "1e+300 at index (1,) overflows float32"},
		{&Array{Shape: []int{1}, Data: []float64{1.5}, DType: Int64}, "not an int64"},
		{&Array{Shape: []int{1}, Data: []float64{math.NaN()}, DType: Int32}, "not an int32"},
		{&Array{Shape: []int{1}, Data: []float64{1 << 31}, DType: Int32}, "not an int32"},
		{&Array{Shape: []int{1}, Data: []float64{1 << 63}, DType: Int64}, "not an int64"},
		{&Array{Shape: []int{2, 2}, Data: []float64{1, 2, 3}}, "shape (2, 2) needs 4 elements, Data has 3"},
		{&Array{Shape: []int{-1}, Data: nil}, "negative dimension -1"},
		{&Array{Shape: []int{1}, Data: []float64{1}, DType: ">f8"}, `unsupported DType ">f8"`},
		{&Array{Shape: []int{1 << 40, 1 << 40}}, "too large"},
		{nil, "nil array"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Write(&buf, c.a)
		require.ErrorContains(t, err, c.want)
		require.True(t, strings.HasPrefix(err.Error(), "npy: "), err.Error())
	}
	// Exact extremes are accepted.
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, &Array{Shape: []int{2}, Data: []float64{math.MinInt64, 1 << 62}, DType: Int64}))
	require.NoError(t, Write(&buf, &Array{Shape: []int{2}, Data: []float64{math.MinInt32, math.MaxInt32}, DType: Int32}))
}

// TestFixture reads a .npy file built byte by byte from the format
// specification, as np.save(f, np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, 42.0]])) writes it.
func TestFixture(t *testing.T) {
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
	hdr += strings.Repeat(" ", 128-10-len(hdr)-1) + "\n"
	var file []byte
	file = append(file, 0x93, 'N', 'U', 'M', 'P', 'Y', 0x01, 0x00)
	file = append(file, byte(len(hdr)), byte(len(hdr)>>8)) // little-endian uint16
	file = append(file, hdr...)
	vals := []float64{1.5, -2.0, 3.25, 0.0, 1e-3, 42.0}
	for _, v := range vals {
		u := math.Float64bits(v)
		for k := 0; k < 8; k++ {
			file = append(file, byte(u>>(8*k)))
		}
	}
	require.Len(t, file, 128+48)

	a, err := Read(bytes.NewReader(file))
	require.NoError(t, err)
	require.Equal(t, []int{2, 3}, a.Shape)
	require.Equal(t, Float64, a.DType)
	require.Equal(t, vals, a.Data)
	require.Equal(t, 1e-3, a.At(1, 1))
	require.Equal(t, 3.25, a.At(0, 2))
	require.Equal(t, 6, a.Len())

	// Write produces exactly these bytes.
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, a))
	require.Equal(t, file, buf.Bytes())

	path := filepath.Join(t.TempDir(), "fixture.npy")
	require.NoError(t, os.WriteFile(path, file, 0o644))
	b, err := ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestReadHeaderVariants(t *testing.T) {
	f4 := binary.LittleEndian.AppendUint32(nil, math.Float32bits(2.5))
	i8 := binary.LittleEndian.AppendUint64(nil, uint64(1<<53+1)) // rounds
	i4 := binary.LittleEndian.AppendUint32(nil, uint32(0xFFFFFFFF))
	cases := []struct {
		name  string
		file  []byte
		shape []int
		data  []float64
		dt    string
	}{
		{"v2", rawNPY(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", f64Bytes(7)), []int{1}, []float64{7}, Float64},
		{"v3", rawNPY(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", f64Bytes(7)), []int{1}, []float64{7}, Float64},
		{"double quotes, key order, no trailing comma", rawNPY(1, `{"shape": (1,), "fortran_order": False, "descr": "<f4"}`, f4), []int{1}, []float64{2.5}, Float32},
		{"python2 long", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }\n", f64Bytes(1, 2)), []int{1, 2}, []float64{1, 2}, Float64},
		{"scalar", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", f64Bytes(9)), []int{}, []float64{9}, Float64},
		{"empty", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }\n", nil), []int{0}, []float64{}, Float64},
		{"empty 2d", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }\n", nil), []int{3, 0}, []float64{}, Float32},
		{"int64", rawNPY(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\n", i8), []int{1}, []float64{1 << 53}, Int64},
		{"int32", rawNPY(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n", i4), []int{1}, []float64{-1}, Int32},
		{"fortran order of 1-d ok when False, whitespace", rawNPY(1, "{ 'descr' : '<f8' ,\t'fortran_order':False,'shape':( 1 , ) }   \n", f64Bytes(3)), []int{1}, []float64{3}, Float64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Read(bytes.NewReader(c.file))
			require.NoError(t, err)
			require.Equal(t, c.shape, a.Shape)
			require.Equal(t, c.data, a.Data)
			require.Equal(t, c.dt, a.DType)
		})
	}
}

func TestReadConsecutive(t *testing.T) {
	var buf bytes.Buffer
	a := &Array{Shape: []int{2}, Data: []float64{1, 2}, DType: Float32}
	b := &Array{Shape: []int{1, 3}, Data: []float64{3, 4, 5}}
	require.NoError(t, Write(&buf, a))
	require.NoError(t, Write(&buf, b))
	ra, err := Read(&buf)
	require.NoError(t, err)
	rb, err := Read(&buf)
	require.NoError(t, err)
	require.Equal(t, a.Data, ra.Data)
	require.Equal(t, b.Data, rb.Data)
	require.Zero(t, buf.Len())
}

func TestLargeRoundTrip(t *testing.T) {
	// More than one decode chunk, both through a stream and a file.
	n := 3*chunkBytes/8 + 5
	in := &Array{Shape: []int{n}, Data: seq(n), DType: Float32}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, in))
	out, err := Read(iotestHalf{&buf})
	require.NoError(t, err)
	require.Equal(t, in.Data, out.Data)
	path := filepath.Join(t.TempDir(), "big.npy")
	require.NoError(t, WriteFile(path, in))
	out, err = ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, in.Data, out.Data)
}

// iotestHalf returns at most half of the requested bytes per Read.
type iotestHalf struct{ r *bytes.Buffer }

func (h iotestHalf) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:len(p)/2]
	}
	return h.r.Read(p)
}

func TestReadErrors(t *testing.T) {
	good := func(hdr string) []byte { return rawNPY(1, hdr, f64Bytes(1, 2)) }
	valid := rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", f64Bytes(1, 2))
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "empty input"},
		{"short magic", []byte("\x93NUM"), "truncated header"},
		{"bad magic", []byte("hello world, this is text"), "bad magic"},
		{"zip", []byte("PK\x03\x04aaaaaaaaaaaaaa"), "use ReadNPZ"},
		{"pickle", []byte("\x80\x04\x95aaaaaaaaaaaaa"), "pickle"},
		{"version", append([]byte("\x93NUMPY\x04\x00"), 0, 0), "unsupported format version 4.0"},
		{"minor version", append([]byte("\x93NUMPY\x01\x01"), 0, 0), "unsupported format version 1.1"},
		{"no header len", []byte("\x93NUMPY\x01\x00\x10"), "truncated header"},
		{"short header", rawNPY(1, "{'descr'", nil)[:15], "truncated header: header length is 8 bytes"},
		{"huge header len", append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0xff), "exceeds the limit"},
		{"not a dict", good("['<f8', False, (2,)]\n"), "header is a list, not a dict"},
		{"unterminated dict", good("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)\n"), "expected ',' or '}'"},
		{"unterminated string", good("{'descr: '<f8'}"), "expected ':'"},
		{"garbage after", good("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } x\n"), "after the dict"},
		{"NUL padding", good("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\x00\n"), "after the dict"},
		{"missing key", good("{'descr': '<f8', 'shape': (2,), }\n"), `lacks key "fortran_order"`},
		{"extra key", good("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}\n"), `unexpected header key "x"`},
		{"duplicate key", good("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}\n"), "duplicate header key"},
		{"int key", good("{1: '<f8'}\n"), "header key is an int"},
		{"fortran", good("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }\n"), "fortran_order True"},
		{"fortran not bool", good("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }\n"), "not True or False"},
		{"big endian", good("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }\n"), "big-endian dtype \">f8\""},
		{"object", good("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n"), "object dtype"},
		{"complex", good("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n"), `unsupported dtype "<c16"`},
		{"unicode", good("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }\n"), `unsupported dtype "<U3"`},
		{"structured", good("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }\n"), "structured"},
		{"descr int", good("{'descr': 8, 'fortran_order': False, 'shape': (2,), }\n"), "'descr' is an int"},
		{"shape list", good("{'descr': '<f8', 'fortran_order': False, 'shape': [2], }\n"), "'shape' is a list"},
		{"shape int", good("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }\n"), "'shape' is an int"},
		{"shape float", good("{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,), }\n"), "invalid number literal"},
		{"shape str", good("{'descr': '<f8', 'fortran_order': False, 'shape': ('2',), }\n"), "shape entry 0 is a string"},
		{"negative dim", good("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }\n"), "negative dimension -2"},
		{"negative huge dim", good("{'descr': '<f8', 'fortran_order': False, 'shape': (-99999999999999999999999,), }\n"), "negative dimension"},
		{"absurd dim", good("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }\n"), "absurd dimension"},
		{"overflow product", good("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n"), "too large"},
		{"too many dims", good("{'descr': '<f8', 'fortran_order': False, 'shape': (" + strings.Repeat("1,", 65) + "), }\n"), "more than the limit of 64"},
		{"deep nesting", good("{'descr': " + strings.Repeat("[", 100) + "}\n"), "nested more than"},
		{"bad name", good("{'descr': '<f8', 'fortran_order': false, 'shape': (2,), }\n"), `unexpected name "false"`},
		{"v3 non-ascii outside string", rawNPY(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } \u00e9\n", f64Bytes(1, 2)), "after the dict"},
		{"v3 bad utf8", rawNPY(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } \xff\n", f64Bytes(1, 2)), "not valid UTF-8"},
		{"truncated data", valid[:len(valid)-3], "truncated data: header says shape (2,) float64 = 16 bytes, input ends after 13"},
		{"shape larger than data", good("{'descr': '<f8', 'fortran_order': False, 'shape': (256, 100), }\n"), "truncated data: header says shape (256, 100) float64 = 204800 bytes, input ends after 16"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.file))
			require.ErrorContains(t, err, c.want)
			require.True(t, strings.HasPrefix(err.Error(), "npy: "), err.Error())
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (256, 100), }"
	hdr += strings.Repeat(" ", 128-10-len(hdr)-1) + "\n"

	p := put("trunc.npy", rawNPY(1, hdr, make([]byte, 1000)))
	_, err := ReadFile(p)
	require.EqualError(t, err, "npy: "+p+": truncated data: header says shape (256, 100) float64 = 204800 bytes, file has 1000 after the 128-byte header")

	// Shape smaller than the data: trailing bytes.
	small := strings.Replace(hdr, "(256, 100)", "(256, 99) ", 1)
	p = put("trail.npy", rawNPY(1, small, make([]byte, 204800)))
	_, err = ReadFile(p)
	require.EqualError(t, err, "npy: "+p+": trailing data: header says shape (256, 99) float64 = 202752 bytes, file has 2048 extra bytes after them (shape does not match the data?)")

	// A huge declared size is refused before allocating.
	p = put("huge.npy", rawNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }\n", nil))
	_, err = ReadFile(p)
	require.ErrorContains(t, err, "truncated data: header says shape (1099511627776,) float64 = 8796093022208 bytes, file has 0")

	p = put("magic.npy", []byte("not numpy at all"))
	_, err = ReadFile(p)
	require.ErrorContains(t, err, "npy: "+p+": bad magic")

	missing := filepath.Join(dir, "nope.npy")
	_, err = ReadFile(missing)
	require.ErrorContains(t, err, "npy: "+missing+": open: no such file")

	_, err = ReadFile(dir)
	require.ErrorContains(t, err, "npy: "+dir+": ")
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npy")
	good := &Array{Shape: []int{2}, Data: []float64{1, 2}}
	require.NoError(t, WriteFile(path, good))
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	// A value that fails during encoding (after the header has been
	// written) leaves the old file alone and no temporary file.
	bad := &Array{Shape: []int{3}, Data: []float64{1, 2, 1e300}, DType: Float32}
	err = WriteFile(path, bad)
	require.ErrorContains(t, err, "npy: "+path+": value 1e+300 at index (2,) overflows float32")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// Writing into a missing directory fails cleanly.
	err = WriteFile(filepath.Join(dir, "no", "such", "b.npy"), good)
	require.ErrorContains(t, err, "no such file or directory")

	// A directory path is refused.
	require.Error(t, WriteFile(dir, good))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
}

func TestAtLenCheckFinite(t *testing.T) {
	a := &Array{Shape: []int{2, 3}, Data: []float64{0, 1, 2, 3, 4, 5}}
	require.Equal(t, 5.0, a.At(1, 2))
	require.Equal(t, 3.0, a.At(1, 0))
	require.Panics(t, func() { a.At(2, 0) })
	require.Panics(t, func() { a.At(0) })
	require.Equal(t, 6, a.Len())
	s := &Array{Data: []float64{4}}
	require.Equal(t, 4.0, s.At())
	require.Equal(t, 1, s.Len())
	require.Equal(t, -1, (&Array{Shape: []int{-1}}).Len())
	require.Equal(t, 0, (&Array{Shape: []int{3, 0}}).Len())

	require.NoError(t, a.CheckFinite("a"))
	a.Data[4] = math.NaN()
	require.EqualError(t, a.CheckFinite("usol"), "npy: usol: non-finite value NaN at index (1, 1) (flat index 4 of 6)")
	a.Data[1] = math.Inf(-1)
	require.EqualError(t, a.CheckFinite("usol"), "npy: usol: non-finite value -Inf at index (0, 1) (flat index 1 of 6)")
	require.EqualError(t, (&Array{Data: []float64{math.Inf(1)}}).CheckFinite("s"), "npy: s: non-finite value +Inf at index () (flat index 0 of 1)")
}

func TestVersion2Header(t *testing.T) {
	shape := make([]int, 64)
	for i := range shape {
		shape[i] = 1
	}
	h := encodeHeader(dtypes[Float64], shape)
	require.Equal(t, byte(1), h[6])
	require.Zero(t, len(h)%64)
	// A header over 65535 bytes cannot occur for ≤ 64 dims, so exercise
	// the version 2 reader with a hand-padded header instead.
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + strings.Repeat(" ", 70000) + "\n"
	a, err := Read(bytes.NewReader(rawNPY(2, hdr, f64Bytes(5))))
	require.NoError(t, err)
	require.Equal(t, []float64{5}, a.Data)
}

// TestHugeDeclaredSizeAllocatesLittle checks that headers declaring huge
// arrays cost memory in proportion to the input, not to the declaration.
func TestHugeDeclaredSizeAllocatesLittle(t *testing.T) {
	file := rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }\n", make([]byte, 100))
	before := totalAlloc()
	_, err := Read(bytes.NewReader(file))
	used := totalAlloc() - before
	require.ErrorContains(t, err, "truncated data: header says shape (1000000, 1000000) float32 = 4000000000000 bytes, input ends after 100")
	require.Less(t, used, uint64(64<<10))

	// A header length of almost 1 MiB on a short stream.
	file = append([]byte("\x93NUMPY\x02\x00"), 0x00, 0x00, 0x0f, 0x00, '{')
	before = totalAlloc()
	_, err = Read(bytes.NewReader(file))
	used = totalAlloc() - before
	require.ErrorContains(t, err, "truncated header: header length is 983040 bytes, input ends after 1")
	require.Less(t, used, uint64(64<<10))
}

// TestRows: FromRows and Rows convert between rows and a row-major matrix; Rows refuses
// anything that is not a matrix.
func TestRows(t *testing.T) {
	rows := [][]float64{{1, 2, 3}, {4, 5, 6}}
	a := FromRows(rows)
	require.Equal(t, []int{2, 3}, a.Shape)
	require.Equal(t, []float64{1, 2, 3, 4, 5, 6}, a.Data)
	require.Equal(t, Float64, a.DType)
	back, err := a.Rows()
	require.NoError(t, err)
	require.Equal(t, rows, back)
	back[0][0] = 9
	require.Equal(t, 1.0, a.Data[0], "Rows copies")
	require.Equal(t, []int{0, 0}, FromRows(nil).Shape)
	_, err = (&Array{Shape: []int{6}, Data: a.Data}).Rows()
	require.ErrorContains(t, err, "not a matrix")
	_, err = (&Array{Shape: []int{2, 2}, Data: a.Data}).Rows()
	require.ErrorContains(t, err, "not a matrix")
}

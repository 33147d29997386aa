package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// magic is the first six bytes of every .npy file.
const magic = "\x93NUMPY"

// maxHeaderLen bounds the declared header length. Headers for the supported
// dtypes are a few hundred bytes at most.
const maxHeaderLen = 1 << 20

// chunkBytes is the size of the buffer used to decode data.
const chunkBytes = 64 << 10

// source tells readArray what is known about its input.
type source struct {
	// size is the exact number of bytes in the input, or -1 if unknown.
	size int64
	// prealloc is the number of data bytes that may be allocated before they
	// have been read. Beyond it, Data grows as the bytes arrive.
	prealloc int64
	// noun names the input in messages: "file", "member" or "input".
	noun string
}

// Read reads one .npy array from r. It consumes exactly the bytes of the
// array, so consecutive arrays written to one stream (as np.save to an open
// file does) can be read by calling Read repeatedly.
//
// Data is always float64; DType reports the stored dtype. Since the size of
// r is unknown, memory for the data grows as bytes arrive rather than being
// allocated from the size the header declares.
func Read(r io.Reader) (*Array, error) {
	a, _, err := readArray(r, source{size: -1, noun: "input"})
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

// ReadFile reads the .npy file at path. Unlike [Read], it requires the file
// to hold exactly one array: trailing bytes after the data are an error
// (they usually mean the header's shape does not match the data).
func ReadFile(path string) (*Array, error) {
	a, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return a, nil
}

// openRegular opens path for reading and returns it with its size; anything but a
// regular file is an error.
func openRegular(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, unwrapPathError(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, unwrapPathError(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("not a regular file")
	}
	return f, fi.Size(), nil
}

func readFile(path string) (*Array, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, _, err := readArray(io.LimitReader(f, size), source{size: size, prealloc: size, noun: "file"})
	if err != nil {
		return nil, err
	}
	if err := expectEOF(f, a, "file"); err != nil {
		return nil, err
	}
	return a, nil
}

// unwrapPathError strips the path from an *os.PathError, since callers add
// it themselves.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// expectEOF checks that r has no bytes left after the array a.
func expectEOF(r io.Reader, a *Array, noun string) error {
	var buf [512]byte
	extra := 0
	for {
		n, err := r.Read(buf[:])
		extra += n
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if extra > 1<<20 {
			break
		}
	}
	if extra > 0 {
		more := ""
		if extra > 1<<20 {
			more = " or more"
		}
		dt, _ := writeDType(a.DType)
		return fmt.Errorf("trailing data: header says shape %s %s = %d bytes, %s has %d%s extra bytes after them (shape does not match the data?)",
			formatShape(a.Shape), dt.name, len(a.Data)*dt.size, noun, extra, more)
	}
	return nil
}

// readArray reads one array from r and returns it with the number of bytes
// consumed. Errors do not carry the "npy: " prefix or a path.
func readArray(r io.Reader, src source) (*Array, int64, error) {
	major, hlen, pos, err := readPreamble(r, src)
	if err != nil {
		return nil, pos, err
	}
	if hlen > maxHeaderLen {
		return nil, pos, fmt.Errorf("bad header: declared header length %d exceeds the limit of %d bytes", hlen, maxHeaderLen)
	}
	if src.size >= 0 && pos+hlen > src.size {
		return nil, pos, fmt.Errorf("truncated header: header length is %d bytes, %s has %d after the %d-byte preamble",
			hlen, src.noun, src.size-pos, pos)
	}
	// ReadAll grows its buffer as bytes arrive, so a bogus length read from
	// a short stream costs no more than the stream itself.
	hdr, err := io.ReadAll(io.LimitReader(r, hlen))
	if err != nil {
		return nil, pos + int64(len(hdr)), err
	}
	if int64(len(hdr)) < hlen {
		return nil, pos + int64(len(hdr)), fmt.Errorf("truncated header: header length is %d bytes, %s ends after %d", hlen, src.noun, len(hdr))
	}
	pos += hlen
	h, err := parseHeader(hdr, major == 3)
	if err != nil {
		return nil, pos, err
	}

	count, err := numElements(h.shape)
	if err != nil {
		return nil, pos, err
	}
	if count > maxDataBytes/h.dt.size {
		return nil, pos, fmt.Errorf("shape %s %s is too large", formatShape(h.shape), h.dt.name)
	}
	need := int64(count) * int64(h.dt.size)
	if src.size >= 0 && need > src.size-pos {
		return nil, pos, fmt.Errorf("truncated data: %s, %s has %d after the %d-byte header", h.describe(need), src.noun, src.size-pos, pos)
	}
	a := &Array{Shape: h.shape, DType: h.dt.descr}
	if count == 0 {
		a.Data = []float64{}
		return a, pos, nil
	}
	got, err := readData(r, src, a, h, count, need)
	if err != nil {
		return nil, pos + got, err
	}
	return a, pos + need, nil
}

// readPreamble reads the magic string, the format version and the header length; pos
// is the number of bytes consumed.
func readPreamble(r io.Reader, src source) (major byte, hlen, pos int64, err error) {
	var pre [12]byte
	n, err := io.ReadFull(r, pre[:8])
	if err != nil {
		if n == 0 && err == io.EOF {
			return 0, 0, 0, fmt.Errorf("empty %s: not a .npy file", src.noun)
		}
		if err != io.ErrUnexpectedEOF {
			return 0, 0, 0, err
		}
	}
	if n < len(magic) && string(pre[:n]) == magic[:n] {
		return 0, 0, int64(n), fmt.Errorf("truncated header: %s ends after %d bytes, inside the magic string", src.noun, n)
	}
	if n < len(magic) || string(pre[:len(magic)]) != magic {
		return 0, 0, 0, badMagic(pre[:n])
	}
	if n < 8 {
		return 0, 0, int64(n), fmt.Errorf("truncated header: %s ends after %d bytes, inside the format version", src.noun, n)
	}
	major, minor := pre[6], pre[7]
	lenBytes := 0
	switch {
	case major == 1 && minor == 0:
		lenBytes = 2
	case (major == 2 || major == 3) && minor == 0:
		lenBytes = 4
	default:
		return 0, 0, 8, fmt.Errorf("unsupported format version %d.%d (supported: 1.0, 2.0, 3.0)", major, minor)
	}
	if n, err := io.ReadFull(r, pre[8:8+lenBytes]); err != nil {
		return 0, 0, int64(8 + n), truncated(err, "truncated header: %s ends inside the header length", src.noun)
	}
	if lenBytes == 2 {
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
	} else {
		hlen = int64(binary.LittleEndian.Uint32(pre[8:12]))
	}
	return major, hlen, int64(8 + lenBytes), nil
}

// readData reads the need bytes of the count elements into a.Data; got is the number
// of data bytes read. Unless the input is known to hold the data, memory grows with
// the bytes that actually arrive: both the read buffer and Data start small.
func readData(r io.Reader, src source, a *Array, h header, count int, need int64) (got int64, err error) {
	bufLen := int64(chunkBytes)
	if need <= src.prealloc {
		a.Data = make([]float64, 0, count)
	} else {
		a.Data = make([]float64, 0, min(count, 512))
		bufLen = 4096
	}
	buf := make([]byte, min(need, bufLen))
	for got < need {
		k := min(need-got, int64(len(buf)))
		n, err := io.ReadFull(r, buf[:k])
		got += int64(n)
		a.Data = decode(a.Data, buf[:n-n%h.dt.size], h.dt)
		if err != nil {
			return got, truncated(err, "truncated data: %s, %s ends after %d", h.describe(need), src.noun, got)
		}
		if len(buf) < chunkBytes && int64(len(buf)) < need-got {
			buf = make([]byte, min(2*int64(len(buf)), chunkBytes, need-got))
		}
	}
	return got, nil
}

// describe states the data size the header implies.
func (h header) describe(need int64) string {
	return fmt.Sprintf("header says shape %s %s = %d bytes", formatShape(h.shape), h.dt.name, need)
}

// truncated turns an end-of-input error into the message given by format,
// and passes other errors through.
func truncated(err error, format string, args ...any) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf(format, args...)
	}
	return err
}

// badMagic describes an input that does not start with the .npy magic.
func badMagic(b []byte) error {
	hint := ""
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06")):
		hint = " (it looks like a zip archive: use ReadNPZ for .npz files)"
	case len(b) > 0 && b[0] == 0x80:
		hint = " (it looks like a Python pickle, which is not supported)"
	}
	return fmt.Errorf("bad magic %q, want %q: not a .npy file%s", b, magic, hint)
}

// decode appends the elements in b, encoded as dt, to dst.
func decode(dst []float64, b []byte, dt dtype) []float64 {
	le := binary.LittleEndian
	switch dt.descr {
	case Float64:
		for i := 0; i+8 <= len(b); i += 8 {
			dst = append(dst, math.Float64frombits(le.Uint64(b[i:])))
		}
	case Float32:
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, float64(math.Float32frombits(le.Uint32(b[i:]))))
		}
	case Int64:
		for i := 0; i+8 <= len(b); i += 8 {
			dst = append(dst, float64(int64(le.Uint64(b[i:]))))
		}
	case Int32:
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, float64(int32(le.Uint32(b[i:]))))
		}
	}
	return dst
}

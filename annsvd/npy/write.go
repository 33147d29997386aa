package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/annsvd/annsvd/internal/atomicio"
)

// headerAlign is the alignment NumPy uses for the start of the data.
const headerAlign = 64

// Write writes a to w in .npy format: version 1.0 (2.0 if the header does
// not fit in 65535 bytes), C order, a header padded so that the data starts
// at a multiple of 64 bytes, then the elements encoded as a.DType (see
// [Array] for the conversion rules). a is validated before anything is
// written.
func Write(w io.Writer, a *Array) error {
	if err := writeArray(w, a); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// WriteFile writes a to the .npy file at path, atomically: the data go to a
// temporary file in the same directory, which is synced and then renamed
// over path. On error no partial file is left behind and an existing file
// at path is unchanged.
func WriteFile(path string, a *Array) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("npy: %s: %w", path, err)
	}
	if err := atomicWrite(path, func(w io.Writer) error { return writeArray(w, a) }); err != nil {
		return fmt.Errorf("npy: %s: %w", path, err)
	}
	return nil
}

// encodeHeader returns the preamble and header for a, padded with spaces
// and a final newline so that the data start at a multiple of headerAlign.
func encodeHeader(dt dtype, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", dt.descr, formatShape(shape))
	version, lenBytes := byte(1), 2
	total := len(magic) + 2 + lenBytes + len(dict) + 1
	if padded := roundUp(total, headerAlign); padded-len(magic)-2-lenBytes > math.MaxUint16 {
		version, lenBytes = 2, 4
	}
	total = roundUp(len(magic)+2+lenBytes+len(dict)+1, headerAlign)
	hlen := total - len(magic) - 2 - lenBytes
	b := make([]byte, 0, total)
	b = append(b, magic...)
	b = append(b, version, 0)
	if lenBytes == 2 {
		b = binary.LittleEndian.AppendUint16(b, uint16(hlen))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(hlen))
	}
	b = append(b, dict...)
	b = append(b, strings.Repeat(" ", total-len(b)-1)...)
	return append(b, '\n')
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// writeArray validates and writes a; errors carry no prefix.
func writeArray(w io.Writer, a *Array) error {
	if err := a.Validate(); err != nil {
		return err
	}
	dt, _ := writeDType(a.DType)
	if _, err := w.Write(encodeHeader(dt, a.Shape)); err != nil {
		return err
	}
	buf := make([]byte, 0, min(len(a.Data)*dt.size, chunkBytes))
	le := binary.LittleEndian
	for i, v := range a.Data {
		switch dt.descr {
		case Float64:
			buf = le.AppendUint64(buf, math.Float64bits(v))
		case Float32:
			f := float32(v)
			if math.IsInf(float64(f), 0) && !math.IsInf(v, 0) {
				return fmt.Errorf("value %g at index %s overflows float32", v, formatIndex(a.Shape, i))
			}
			buf = le.AppendUint32(buf, math.Float32bits(f))
		case Int64:
			// -2^63 is representable; 2^63 is not.
			if v != math.Trunc(v) || v < math.MinInt64 || v >= -math.MinInt64 {
				return fmt.Errorf("value %v at index %s is not an int64", v, formatIndex(a.Shape, i))
			}
			buf = le.AppendUint64(buf, uint64(int64(v)))
		case Int32:
			if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
				return fmt.Errorf("value %v at index %s is not an int32", v, formatIndex(a.Shape, i))
			}
			buf = le.AppendUint32(buf, uint32(int32(v)))
		}
		if len(buf)+8 > cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// atomicWrite writes path atomically (internal/atomicio): temp file, fsync, rename.
func atomicWrite(path string, write func(w io.Writer) error) error {
	return atomicio.Write(path, write)
}

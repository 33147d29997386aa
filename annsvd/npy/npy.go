// Package npy reads and writes NumPy .npy and .npz files.
//
// The package covers the subset of the NumPy file format that a PINN
// toolkit needs to exchange dense numeric arrays with Python (for example
// DeepXDE's Burgers.npz, which holds x (256, 1), t (100, 1) and
// usol (256, 100) as float64):
//
//   - format versions 1.0, 2.0 and 3.0 (3.0 only differs by a UTF-8 header);
//   - little-endian dtypes "<f8" (float64), "<f4" (float32), "<i8" (int64)
//     and "<i4" (int32);
//   - C (row-major) order only: fortran_order True is rejected;
//   - any number of dimensions, including shape () scalars and
//     zero-length arrays such as shape (0,).
//
// Reading always yields float64 data, whatever the stored dtype; the stored
// dtype is reported in [Array.DType] so that writing the array back keeps
// the file's dtype. Integer values with a magnitude above 2^53 are rounded
// to the nearest float64.
//
// Big-endian data, object dtypes (pickled arrays), structured dtypes,
// other numeric types and Fortran-ordered arrays are rejected with an error
// that says so. Every malformed input yields an error (never a panic) that
// names the file, when reading from a path, and the problem. Declared sizes
// are checked against the bytes actually available before any large
// allocation, so a corrupt header cannot make the reader allocate more
// memory than the input justifies.
//
// An .npz file is a zip archive of NAME.npy members, stored (np.savez) or
// deflated (np.savez_compressed). [ReadNPZ] reads both; [WriteNPZ] and
// [WriteNPZCompressed] write them with members in sorted name order and
// fixed timestamps, so equal inputs give byte-identical archives.
// [WriteFile], [WriteNPZ] and [WriteNPZCompressed] are atomic: they write a
// temporary file in the destination directory, fsync it and rename it over
// the destination, and leave no partial file behind on error.
package npy

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Supported dtype strings, as they appear in the "descr" field of a .npy
// header.
const (
	// Float64 is the little-endian IEEE 754 double dtype ("<f8").
	Float64 = "<f8"
	// Float32 is the little-endian IEEE 754 single dtype ("<f4").
	Float32 = "<f4"
	// Int64 is the little-endian 64-bit signed integer dtype ("<i8").
	Int64 = "<i8"
	// Int32 is the little-endian 32-bit signed integer dtype ("<i4").
	Int32 = "<i4"
)

// Array is a dense, row-major (C order) n-dimensional array.
//
// Data always holds float64 values, whatever DType says; DType only selects
// the on-disk representation. Reading sets DType to the file's dtype
// (Float64, Float32, Int64 or Int32). When writing, an empty DType means
// Float64; Float32 values are rounded to the nearest float32 (a finite value
// outside the float32 range is an error); Int64 and Int32 values must be
// integral and within range.
//
// Shape nil or empty denotes a scalar (one element). len(Data) must equal
// the product of Shape.
type Array struct {
	// Shape lists the dimensions, outermost first.
	Shape []int
	// Data holds the elements in row-major order.
	Data []float64
	// DType is the on-disk dtype: "<f4" or "<f8" (also "<i4", "<i8").
	DType string
}

// Len returns the number of elements implied by Shape: the product of the
// dimensions, 1 for a scalar (empty Shape), 0 for a nil Array. It returns
// -1 if a dimension is negative or the product overflows int.
func (a *Array) Len() int {
	if a == nil {
		return 0
	}
	n, err := numElements(a.Shape)
	if err != nil {
		return -1
	}
	return n
}

// FromRows returns the float64 matrix [len(rows), len(rows[0])] holding the rows (which
// must all have the same length; an empty rows gives shape [0, 0]).
func FromRows(rows [][]float64) *Array {
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	a := &Array{Shape: []int{len(rows), cols}, DType: Float64, Data: make([]float64, 0, len(rows)*cols)}
	for _, r := range rows {
		a.Data = append(a.Data, r...)
	}
	return a
}

// Rows returns the rows of a matrix (len(Shape) == 2) as separate slices (copies).
func (a *Array) Rows() ([][]float64, error) {
	if len(a.Shape) != 2 || a.Len() != len(a.Data) {
		return nil, fmt.Errorf("npy: Rows: shape %s with %d elements is not a matrix", formatShape(a.Shape), len(a.Data))
	}
	rows := make([][]float64, a.Shape[0])
	for k := range rows {
		rows[k] = slices.Clone(a.Data[k*a.Shape[1] : (k+1)*a.Shape[1]])
	}
	return rows, nil
}

// At returns the element at the given row-major index; it needs exactly
// len(Shape) indices (none for a scalar). Like slice indexing, At panics if
// the number of indices is wrong or an index is out of range; that is a
// programming error, not an input error.
func (a *Array) At(idx ...int) float64 {
	if len(idx) != len(a.Shape) {
		panic(fmt.Sprintf("npy: At: got %d indices for shape %s", len(idx), formatShape(a.Shape)))
	}
	off := 0
	for i, k := range idx {
		d := a.Shape[i]
		if k < 0 || k >= d {
			panic(fmt.Sprintf("npy: At: index %d out of range [0, %d) in axis %d of shape %s", k, d, i, formatShape(a.Shape)))
		}
		off = off*d + k
	}
	return a.Data[off]
}

// Validate reports whether a can be written: a known dtype (or empty, meaning
// Float64), non-negative dimensions and len(Data) equal to the product of
// Shape.
func (a *Array) Validate() error {
	if a == nil {
		return fmt.Errorf("nil array")
	}
	if _, err := writeDType(a.DType); err != nil {
		return err
	}
	if len(a.Shape) > maxDims {
		return fmt.Errorf("shape has %d dimensions, more than the limit of %d", len(a.Shape), maxDims)
	}
	n, err := numElements(a.Shape)
	if err != nil {
		return err
	}
	if n != len(a.Data) {
		return fmt.Errorf("shape %s needs %d elements, Data has %d", formatShape(a.Shape), n, len(a.Data))
	}
	return nil
}

// CheckFinite returns an error naming the first (in row-major order) NaN or
// infinite element of a, or nil if all elements are finite. name is used to
// identify the array in the message.
func (a *Array) CheckFinite(name string) error {
	if a == nil {
		return fmt.Errorf("npy: %s: nil array", name)
	}
	for i, v := range a.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("npy: %s: non-finite value %v at index %s (flat index %d of %d)",
				name, v, formatIndex(a.Shape, i), i, len(a.Data))
		}
	}
	return nil
}

// maxDims is the largest number of dimensions accepted (NumPy 2's limit).
const maxDims = 64

// maxDataBytes bounds the declared data size of an array, as a guard against
// arithmetic overflow; the real guard is the comparison with the bytes
// actually available.
const maxDataBytes = 1 << 48

// numElements returns the product of shape, or an error for a negative
// dimension or an overflowing product.
func numElements(shape []int) (int, error) {
	n := 1
	zero := false
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %s", d, formatShape(shape))
		}
		if d == 0 {
			zero = true
		}
	}
	if zero {
		return 0, nil
	}
	for _, d := range shape {
		if d > maxDataBytes || n > maxDataBytes/d {
			return 0, fmt.Errorf("shape %s is too large", formatShape(shape))
		}
		n *= d
	}
	return n, nil
}

// formatShape formats shape the way Python prints a tuple: (), (5,), (2, 3).
func formatShape(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// formatIndex converts the flat row-major offset i into a multi-index for
// shape, formatted as a tuple.
func formatIndex(shape []int, i int) string {
	if len(shape) == 0 {
		return "()"
	}
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if d := shape[k]; d > 0 {
			idx[k] = i % d
			i /= d
		}
	}
	return formatShape(idx)
}

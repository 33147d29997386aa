package npy

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReadNPZ reads every array of the .npz archive at path (as written by
// np.savez or np.savez_compressed) and returns them keyed by name, that is,
// the member name without its ".npy" suffix. Members are read with the same
// rules as [ReadFile]; a member that is not a .npy file, a duplicate name, a
// CRC mismatch or a corrupt archive is an error.
func ReadNPZ(path string) (map[string]*Array, error) {
	return ReadNPZMembers(path)
}

// ReadNPZMembers reads the named arrays of the .npz archive at path, or all
// of them when no names are given. It is an error if one of the names is
// not in the archive. Members that are not requested are not decompressed.
func ReadNPZMembers(path string, names ...string) (map[string]*Array, error) {
	m, err := readNPZFile(path, names)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return m, nil
}

func readNPZFile(path string, names []string) (map[string]*Array, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readNPZ(f, size, names)
}

// readNPZ reads an .npz archive of the given size from ra. With names nil it
// reads all arrays, else the named ones. Errors carry no prefix.
func readNPZ(ra io.ReaderAt, size int64, names []string) (map[string]*Array, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		// Names are only used as map keys, never as paths, so insecure
		// names are harmless.
		return nil, fmt.Errorf("not a valid .npz (zip) archive: %w", err)
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	out := make(map[string]*Array)
	seen := make(map[string]bool)
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue // directory entry
		}
		key, ok := strings.CutSuffix(zf.Name, ".npy")
		if !ok {
			return nil, fmt.Errorf("member %q is not a .npy file", zf.Name)
		}
		if seen[key] {
			return nil, fmt.Errorf("duplicate member %q", zf.Name)
		}
		seen[key] = true
		if len(names) > 0 && !want[key] {
			continue
		}
		a, err := readMember(zf, size)
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", zf.Name, err)
		}
		out[key] = a
	}
	var missing []string
	for _, n := range names {
		if !seen[n] {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) > 0 {
		have := make([]string, 0, len(seen))
		for k := range seen {
			have = append(have, fmt.Sprintf("%q", k))
		}
		slices.Sort(have)
		return nil, fmt.Errorf("missing array %s (archive has %s)", strings.Join(missing, ", "), strings.Join(have, ", "))
	}
	return out, nil
}

// readMember reads one .npy member. archiveSize bounds the memory allocated
// before data arrive: a stored member cannot be larger than its archive,
// whereas the uncompressed size declared by the zip directory is not trusted
// for allocation.
func readMember(zf *zip.File, archiveSize int64) (*Array, error) {
	switch zf.Method {
	case zip.Store, zip.Deflate:
	default:
		return nil, fmt.Errorf("unsupported compression method %d (want stored or deflated)", zf.Method)
	}
	if zf.Flags&1 != 0 {
		return nil, fmt.Errorf("encrypted members are not supported")
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("corrupt archive: %w", err)
	}
	defer rc.Close()
	r := zipErrorReader{rc}
	declared := int64(-1)
	if zf.UncompressedSize64 <= 1<<62 {
		declared = int64(zf.UncompressedSize64)
	}
	a, _, err := readArray(r, source{size: declared, prealloc: archiveSize, noun: "member"})
	if err != nil {
		return nil, err
	}
	if err := expectEOF(r, a, "member"); err != nil {
		return nil, err
	}
	return a, nil
}

// zipErrorReader explains the errors of a zip member reader: a CRC
// mismatch is corrupt data, anything else except the end of the data is a
// corrupt archive.
type zipErrorReader struct{ r io.Reader }

func (z zipErrorReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	switch {
	case err == nil, err == io.EOF, err == io.ErrUnexpectedEOF:
	case errors.Is(err, zip.ErrChecksum):
		err = fmt.Errorf("corrupt data: %w", err)
	default:
		err = fmt.Errorf("corrupt archive: %w", err)
	}
	return n, err
}

// WriteNPZ writes arrays to the .npz archive at path without compression,
// like np.savez: one member NAME.npy per map entry, in sorted name order,
// with fixed timestamps so that equal input gives identical bytes. The
// write is atomic as for [WriteFile]; all arrays are validated first.
func WriteNPZ(path string, arrays map[string]*Array) error {
	return writeNPZ(path, arrays, zip.Store)
}

// WriteNPZCompressed is like [WriteNPZ] but deflates the members, like
// np.savez_compressed.
func WriteNPZCompressed(path string, arrays map[string]*Array) error {
	return writeNPZ(path, arrays, zip.Deflate)
}

func writeNPZ(path string, arrays map[string]*Array, method uint16) error {
	names := make([]string, 0, len(arrays))
	for name, a := range arrays {
		if name == "" {
			return fmt.Errorf("npy: %s: empty array name", path)
		}
		if strings.ContainsRune(name, 0) {
			return fmt.Errorf("npy: %s: array name %q contains a NUL byte", path, name)
		}
		if err := a.Validate(); err != nil {
			return fmt.Errorf("npy: %s: array %q: %w", path, name, err)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	err := atomicWrite(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, name := range names {
			fh := &zip.FileHeader{
				Name:   name + ".npy",
				Method: method,
				// 1980-01-01 00:00:00, the MS-DOS epoch, for reproducible
				// output.
				ModifiedDate: 1<<5 | 1,
			}
			mw, err := zw.CreateHeader(fh)
			if err != nil {
				return fmt.Errorf("array %q: %w", name, err)
			}
			if err := writeArray(mw, arrays[name]); err != nil {
				return fmt.Errorf("array %q: %w", name, err)
			}
		}
		return zw.Close()
	})
	if err != nil {
		return fmt.Errorf("npy: %s: %w", path, err)
	}
	return nil
}

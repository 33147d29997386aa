package atomicio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWriteDirLeavesNothingOnFailure: when a later output fails (as on a full disk),
// WriteDir removes the files it wrote and the directories it created, and leaves an
// existing directory's other files alone; CheckDir creates nothing.
func TestWriteDirLeavesNothingOnFailure(t *testing.T) {
	root := t.TempDir()
	full := errors.New("no space left on device")
	ok := func(p string) error { return os.WriteFile(p, []byte("x"), 0o644) }
	fail := func(p string) error { return full }

	dir := filepath.Join(root, "a", "b")
	require.NoError(t, CheckDir("out", dir))
	_, err := os.Stat(filepath.Join(root, "a"))
	require.ErrorIs(t, err, fs.ErrNotExist, "CheckDir created a directory")

	_, err = WriteDir(dir, File{"one", ok}, File{"two", fail})
	require.ErrorIs(t, err, full)
	_, err = os.Stat(filepath.Join(root, "a"))
	require.ErrorIs(t, err, fs.ErrNotExist, "a failed write left its directories")

	keep := filepath.Join(root, "keep")
	require.NoError(t, os.Mkdir(keep, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(keep, "old"), nil, 0o644))
	_, err = WriteDir(keep, File{"one", ok}, File{"two", fail})
	require.ErrorIs(t, err, full)
	entries, err := os.ReadDir(keep)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "old", entries[0].Name())

	wrote, err := WriteDir(dir, File{"one", ok}, File{"two", ok})
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "one"), filepath.Join(dir, "two")}, wrote)
}

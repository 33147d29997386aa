package atomicio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteReplacesOrLeavesUntouched(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	require.NoError(t, WriteFile(p, []byte("one")))
	require.NoError(t, WriteFile(p, []byte("two")))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "two", string(b))
	boom := errors.New("boom")
	err = Write(p, func(w io.Writer) error { _, _ = w.Write([]byte("partial")); return boom })
	require.ErrorIs(t, err, boom)
	b, _ = os.ReadFile(p)
	require.Equal(t, "two", string(b), "a failed write leaves the old file")
	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1, "no temporary file left behind")
	require.Error(t, WriteFile(dir+"/", []byte("x")))
	require.Error(t, WriteFile(filepath.Join(dir, "missing", "x"), []byte("x")))
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// figuresRun runs "annsvd figures args…" and returns the exit status and stderr.
func figuresRun(args ...string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"figures"}, args...), &stdout, &stderr)
	return code, stderr.String()
}

func TestFiguresBadOut(t *testing.T) {
	tmp := t.TempDir()
	full := filepath.Join(tmp, "full")
	require.NoError(t, os.MkdirAll(full, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(full, "keep.txt"), []byte("x"), 0o644))
	file := filepath.Join(tmp, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "annsvd figures: -out DIR is required"},
		{[]string{"-out", full, "-quick"}, "is not empty (1 entries)"},
		{[]string{"-out", file}, "exists and is not a directory"},
		{[]string{"-out", filepath.Join(tmp, "no", "such", "dir")}, "parent directory"},
		{[]string{"-out", filepath.Join(tmp, "x"), "extra"}, "unexpected argument"},
	} {
		code, stderr := figuresRun(tc.args...)
		require.Equal(t, 2, code, stderr)
		require.Contains(t, stderr, tc.want)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	}
	ents, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Len(t, ents, 2, "nothing written")
	b, err := os.ReadFile(filepath.Join(full, "keep.txt"))
	require.NoError(t, err)
	require.Equal(t, "x", string(b))
}

func TestFiguresUnwritableParent(t *testing.T) {
	ro := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.MkdirAll(ro, 0o555))
	if os.Geteuid() == 0 { // root ignores directory permissions; sysfs refuses new entries
		if _, err := os.Stat("/sys/kernel"); err != nil {
			t.Skip("running as root without /sys")
		}
		ro = "/sys"
	}
	code, stderr := figuresRun("-out", filepath.Join(ro, "annsvd-figs"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "is not writable")
	require.Equal(t, 1, strings.Count(stderr, "\n"))
}

package pointio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseDerivs: names map to first and second derivatives by coordinate, first
// ones first; unknown and repeated names are refused naming them.
func TestParseDerivs(t *testing.T) {
	d, names, err := ParseDerivs("u_tt,u_x, u_xx", []string{"x", "t"})
	require.NoError(t, err)
	require.Equal(t, []int{0}, d.First)
	require.Equal(t, []int{1, 0}, d.Second)
	require.Equal(t, []string{"u_x", "u_tt", "u_xx"}, names)
	_, _, err = ParseDerivs("u_y", []string{"x", "t"})
	require.ErrorContains(t, err, `unknown derivative "u_y" (allowed: u_x, u_xx, u_t, u_tt)`)
	_, _, err = ParseDerivs("u_x,u_x", []string{"x"})
	require.ErrorContains(t, err, "u_x given twice")
}

// TestCSVRoundTrip: points written with a header read back exactly (the header line is
// skipped), and a bad number names its line and column.
func TestCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pts := [][]float64{{0.1, 1.0 / 3}, {-2e-17, 5}}
	out := filepath.Join(dir, "u.csv")
	require.NoError(t, WriteColumns(out, ".csv", []string{"x", "t"}, pts, []string{"u"}, [][]float64{{1.5, -0.25}}))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "x,t,u\n"), string(b))
	back, err := ReadPoints(filepath.Join(dir, "u.csv"), 3)
	require.NoError(t, err)
	require.Equal(t, [][]float64{{0.1, 1.0 / 3, 1.5}, {-2e-17, 5, -0.25}}, back)
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("1,2\n3,x\n"), 0o644))
	_, err = ReadPoints(bad, 2)
	require.ErrorContains(t, err, `line 2 column 2: "x" is not a number`)
	_, err = ReadPoints(filepath.Join(dir, "u.csv"), 2)
	require.Error(t, err) // three columns for two coordinates
}

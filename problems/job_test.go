package problems

import (
	"testing"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/stretchr/testify/require"
)

func TestParseSVDLayers(t *testing.T) {
	w := []int{20, 20, 20, 20} // hidden-to-hidden maps 1..3
	thin := annsvd.LayerSpec{Mode: annsvd.Thin}
	svd, err := ParseSVDLayers("1:compact:8,2:truncated:0.3,3:thin", annsvd.LayerSpec{}, w)
	require.NoError(t, err)
	require.Equal(t, annsvd.LayerSpec{Mode: annsvd.Compact, Rank: 8}, svd[1])
	require.Equal(t, annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: 0.3}, svd[2])
	require.Equal(t, thin, svd[3])
	svd, err = ParseSVDLayers("2:truncated:0.5r,3", thin, w) // mixed with a plain index (uses -mode)
	require.NoError(t, err)
	require.Equal(t, annsvd.LayerSpec{Mode: annsvd.Truncated, Threshold: 0.5, Relative: true}, svd[2])
	require.Equal(t, thin, svd[3])
	svd, err = ParseSVDLayers("all", thin, w) // old forms
	require.NoError(t, err)
	require.Len(t, svd, 3)
	svd, err = ParseSVDLayers("1,3", thin, w)
	require.NoError(t, err)
	require.Len(t, svd, 2)
	svd, err = ParseSVDLayers("1,3", annsvd.LayerSpec{}, w) // -mode dense: nothing factorised
	require.NoError(t, err)
	require.Empty(t, svd)
	for in, want := range map[string]string{
		"4:compact:8":       "layer 4 out of range [1, 3]",
		"0:thin":            "layer 0 out of range",
		"1:compact":         "needs a rank",
		"1:compact:x":       `rank "x"`,
		"1:truncated:-1":    "τ=-1",
		"1:bogus":           `unknown mode "bogus"`,
		"1:thin,1:thin":     "layer 1 given twice",
		"1:compact:8:9":     "too many fields",
		"x:thin":            `"x" is not an integer`,
		"1:truncated:0.3r2": `threshold "0.3r2"`,
	} {
		_, err := ParseSVDLayers(in, annsvd.LayerSpec{}, w)
		require.ErrorContains(t, err, want, in)
	}
}

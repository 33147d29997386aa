package annsvd

import (
	"strings"
	"testing"
)

func TestParseLayerSpec(t *testing.T) {
	for in, want := range map[string]LayerSpec{
		"dense":          {Mode: Dense},
		" thin ":         {Mode: Thin},
		"compact:3":      {Mode: Compact, Rank: 3},
		"topk:2":         {Mode: Compact, Rank: 2},
		"truncated:0.5":  {Mode: Truncated, Threshold: 0.5},
		"threshold:0.1r": {Mode: Truncated, Threshold: 0.1, Relative: true},
	} {
		got, err := ParseLayerSpec(in)
		if err != nil || got != want {
			t.Errorf("ParseLayerSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"compact":         "needs a rank",
		"compact:x":       `rank "x" is not an integer`,
		"compact:0":       "rank",
		"truncated":       "needs a threshold",
		"truncated:a":     `threshold "a" is not a number`,
		"truncated:-1":    "τ=-1",
		"truncated:2r":    "relative threshold",
		"thin:3":          "takes no argument",
		"compact:3:4":     "too many fields",
		"bogus":           `unknown mode "bogus"`,
		"truncated:0.3r2": `threshold "0.3r2"`,
	} {
		_, err := ParseLayerSpec(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLayerSpec(%q): error %v, want one containing %q", in, err, want)
		}
	}
}

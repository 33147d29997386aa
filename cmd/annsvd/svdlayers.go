package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
)

// parseSVDLayers parses -svd-layers: "all", a comma list of hidden-to-hidden indices j
// (each factorised with the -mode spec), or per-layer specs "j:mode[:arg]", e.g.
// "1:compact:8,2:truncated:0.3" (truncated:0.3r is relative to σ₁); plain indices and
// per-layer specs may be mixed. Indices must lie in [1, len(widths)−1] and appear once.
func parseSVDLayers(s string, spec annsvd.LayerSpec, widths []int) (map[int]annsvd.LayerSpec, []int, error) {
	hh := len(widths) - 1
	svd := map[int]annsvd.LayerSpec{}
	var layers []int
	bad := func(format string, a ...any) error {
		return usageError{fmt.Errorf("-svd-layers %q: "+format, append([]any{s}, a...)...)}
	}
	if strings.TrimSpace(s) == "all" {
		for i := 1; i <= hh; i++ {
			layers = append(layers, i)
			if spec.Mode != annsvd.Dense {
				svd[i] = spec
			}
		}
		if spec.Mode != annsvd.Dense && hh < 1 {
			return nil, nil, usageError{fmt.Errorf("-widths %v has no hidden-to-hidden map to factorise: need ≥ 2 hidden layers", widths)}
		}
		return svd, layers, nil
	}
	for _, item := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		l, err := strconv.Atoi(parts[0])
		if err != nil {
			return nil, nil, bad("%q is not an integer layer index", parts[0])
		}
		if _, dup := svd[l]; dup || slices.Contains(layers, l) {
			return nil, nil, bad("layer %d given twice", l)
		}
		ls := spec
		if len(parts) > 1 {
			if ls, err = annsvd.ParseLayerSpec(strings.Join(parts[1:], ":")); err != nil {
				return nil, nil, bad("layer %d: %v", l, err)
			}
			ls.NoBias = spec.NoBias
		}
		if ls.Mode == annsvd.Dense {
			layers = append(layers, l)
			continue
		}
		if hh < 1 {
			return nil, nil, usageError{fmt.Errorf("-widths %v has no hidden-to-hidden map to factorise: need ≥ 2 hidden layers", widths)}
		}
		if l < 1 || l > hh {
			return nil, nil, bad("layer %d out of range [1, %d]", l, hh)
		}
		svd[l] = ls
		layers = append(layers, l)
	}
	return svd, layers, nil
}

package bench

import (
	"fmt"
	"slices"
	"strings"
)

// ScalingMarkdown renders the cells as a width × N table of median ms per Adam step.
func ScalingMarkdown(cells []ScalingCell, depth int, backend string) string {
	var pts, ws []int
	byKey := map[[2]int]ScalingCell{}
	for _, c := range cells {
		if !slices.Contains(pts, c.Points) {
			pts = append(pts, c.Points)
		}
		if !slices.Contains(ws, c.Width) {
			ws = append(ws, c.Width)
		}
		byKey[[2]int{c.Width, c.Points}] = c
	}
	slices.Sort(pts)
	slices.Sort(ws)
	var sb strings.Builder
	fmt.Fprintf(&sb, "Median ms per Adam step, Burgers 2→[w]×%d→1 dense, N PDE points + 240 boundary/initial; backend %s.\n\n", depth, backend)
	sb.WriteString("| width \\ N |")
	for _, n := range pts {
		fmt.Fprintf(&sb, " %d |", n)
	}
	sb.WriteString(" ns per point·w² at largest N |\n|---|")
	for range pts {
		sb.WriteString("---:|")
	}
	sb.WriteString("---:|\n")
	for _, w := range ws {
		fmt.Fprintf(&sb, "| %d |", w)
		norm := ""
		for _, n := range pts {
			c, ok := byKey[[2]int{w, n}]
			switch {
			case !ok:
				sb.WriteString(" |")
			case c.Result == nil:
				fmt.Fprintf(&sb, " (≈%.0f, skipped) |", c.EstimatedMs)
			default:
				fmt.Fprintf(&sb, " %.1f |", c.Result.MsMedian)
				norm = fmt.Sprintf("%.2f", c.Result.MsMedian*1e6/float64(c.Result.Points)/float64(w*w))
			}
		}
		fmt.Fprintf(&sb, " %s |\n", norm)
	}
	return sb.String()
}

package study

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/annsvd/annsvd/internal/atomicio"
)

// Row aggregates the seeds of one grid point.
type Row struct {
	Mode      string  `json:"mode"`
	Rank      int     `json:"rank,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	// KeptRank is the mean kept rank over seeds (for τ it depends on the seed).
	KeptRank float64 `json:"kept_rank"`
	// Params is the mean parameter count; Ratio = dense params / Params.
	Params float64 `json:"params"`
	Ratio  float64 `json:"compression"`
	// MsPerStep is the mean over seeds of the median Adam step time.
	MsPerStep float64 `json:"ms_per_step"`
	// ErrMean and ErrStd are the mean and sample standard deviation of the relative L2
	// error over Seeds seeds.
	ErrMean float64 `json:"err_mean"`
	ErrStd  float64 `json:"err_std"`
	Seeds   int     `json:"seeds"`
	// OK is true when ErrMean ≤ Tol × the dense ErrMean.
	OK bool `json:"ok"`
}

// Label is "k=4", "τ=0.3" or "" (dense, thin).
func (r Row) Label() string {
	switch r.Mode {
	case "compact":
		return "k=" + strconv.Itoa(r.Rank)
	case "truncated":
		return "τ=" + strconv.FormatFloat(r.Threshold, 'g', -1, 64)
	}
	return ""
}

// Summary is the aggregated study.
type Summary struct {
	Tol   float64 `json:"tol"`
	Dense Row     `json:"dense"`
	Rows  []Row   `json:"rows"`
	// Best maps a mode to its smallest acceptable row (fewest parameters), if any.
	Best map[string]Row `json:"best"`
}

func meanStd(x []float64) (float64, float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	if len(x) < 2 {
		return m, 0
	}
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)-1))
}

// Summarize aggregates records over seeds and picks, per mode, the smallest
// configuration whose mean error is ≤ tol × the dense mean error.
func Summarize(recs []Record, tol float64) *Summary {
	type key struct {
		mode string
		k    int
		tau  float64
	}
	groups := map[key][]Record{}
	var order []key
	for _, r := range recs {
		k := key{r.Mode, r.Rank, r.Threshold}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	s := &Summary{Tol: tol, Best: map[string]Row{}}
	for _, k := range order {
		g := groups[k]
		var errs, kept, params, ms []float64
		for _, r := range g {
			errs = append(errs, r.RelL2)
			kept = append(kept, float64(r.KeptRank))
			params = append(params, float64(r.Params))
			ms = append(ms, r.MsPerStep)
		}
		row := Row{Mode: k.mode, Rank: k.k, Threshold: k.tau, Seeds: len(g)}
		row.ErrMean, row.ErrStd = meanStd(errs)
		row.KeptRank, _ = meanStd(kept)
		row.Params, _ = meanStd(params)
		row.MsPerStep, _ = meanStd(ms)
		if k.mode == "dense" {
			s.Dense = row
			continue
		}
		s.Rows = append(s.Rows, row)
	}
	for i := range s.Rows {
		r := &s.Rows[i]
		if r.Params > 0 {
			r.Ratio = s.Dense.Params / r.Params
		}
		r.OK = s.Dense.Seeds > 0 && r.ErrMean <= tol*s.Dense.ErrMean
		if !r.OK {
			continue
		}
		if b, ok := s.Best[r.Mode]; !ok || r.Params < b.Params {
			s.Best[r.Mode] = *r
		}
	}
	s.Dense.Ratio = 1
	s.Dense.OK = true
	return s
}

func (s *Summary) modes() []string {
	var m []string
	seen := map[string]bool{}
	for _, r := range s.Rows {
		if !seen[r.Mode] {
			seen[r.Mode] = true
			m = append(m, r.Mode)
		}
	}
	return m
}

func (s *Summary) rowsOf(mode string) []Row {
	var out []Row
	for _, r := range s.Rows {
		if r.Mode == mode {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].KeptRank < out[j].KeptRank })
	return out
}

func (s *Summary) bestLine(mode string) string {
	b, ok := s.Best[mode]
	if !ok {
		return fmt.Sprintf("%s: no configuration reaches mean error ≤ %g × dense (%.3e)", mode, s.Tol, s.Dense.ErrMean)
	}
	lbl := b.Label()
	if lbl == "" {
		lbl = mode
	}
	return fmt.Sprintf("%s: smallest rank with mean error ≤ %g × dense (%.3e): %s kept rank %.4g, %.0f params (compression %.2f×), error %.3e ± %.1e",
		mode, s.Tol, s.Dense.ErrMean, lbl, b.KeptRank, b.Params, b.Ratio, b.ErrMean, b.ErrStd)
}

// PrintTables writes one aligned table per mode (with the dense baseline) and the
// chosen rank per mode.
func (s *Summary) PrintTables(w io.Writer) {
	for _, mode := range s.modes() {
		fmt.Fprintf(w, "\n%s\n", mode)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "setting\trank\tparams\tcompression\tms/step\trel L2 (mean ± std)\tseeds\tok")
		line := func(label string, r Row) {
			fmt.Fprintf(tw, "%s\t%.4g\t%.0f\t%.2f×\t%.1f\t%.3e ± %.1e\t%d\t%s\n", label, r.KeptRank, r.Params, r.Ratio,
				r.MsPerStep, r.ErrMean, r.ErrStd, r.Seeds, map[bool]string{true: "✓", false: ""}[r.OK])
		}
		line("dense", s.Dense)
		for _, r := range s.rowsOf(mode) {
			lbl := r.Label()
			if lbl == "" {
				lbl = mode
			}
			line(lbl, r)
		}
		tw.Flush()
		fmt.Fprintln(w, s.bestLine(mode))
	}
}

// Markdown returns the tables as markdown.
func (s *Summary) Markdown() string { return s.MarkdownAt(1) }

// MarkdownAt is Markdown with its title at heading level level (and each mode's at
// level+1), for a summary inside a larger document.
func (s *Summary) MarkdownAt(level int) string {
	h := strings.Repeat("#", max(1, level))
	var b strings.Builder
	fmt.Fprintf(&b, "%s Rank study\n\nDense baseline: %.0f params, %.1f ms/step, rel L2 %.3e ± %.1e (%d seeds). Tolerance: %g × dense.\n", h,
		s.Dense.Params, s.Dense.MsPerStep, s.Dense.ErrMean, s.Dense.ErrStd, s.Dense.Seeds, s.Tol)
	for _, mode := range s.modes() {
		fmt.Fprintf(&b, "\n%s# %s\n\n| setting | rank | params | compression | ms/step | rel L2 mean ± std | seeds | ≤ tol |\n|---|---|---|---|---|---|---|---|\n", h, mode)
		for _, r := range s.rowsOf(mode) {
			lbl := r.Label()
			if lbl == "" {
				lbl = mode
			}
			ok := ""
			if r.OK {
				ok = "✓"
			}
			fmt.Fprintf(&b, "| %s | %.4g | %.0f | %.2f× | %.1f | %.3e ± %.1e | %d | %s |\n", lbl, r.KeptRank, r.Params, r.Ratio, r.MsPerStep, r.ErrMean, r.ErrStd, r.Seeds, ok)
		}
		fmt.Fprintf(&b, "\n%s\n", s.bestLine(mode))
	}
	return b.String()
}

// CSV returns one row per grid point (dense first).
func (s *Summary) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"mode", "rank", "threshold", "kept_rank", "params", "compression", "ms_per_step", "err_mean", "err_std", "seeds", "ok"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range append([]Row{s.Dense}, s.Rows...) {
		_ = w.Write([]string{r.Mode, strconv.Itoa(r.Rank), f(r.Threshold), f(r.KeptRank), f(r.Params), f(r.Ratio), f(r.MsPerStep),
			f(r.ErrMean), f(r.ErrStd), strconv.Itoa(r.Seeds), strconv.FormatBool(r.OK)})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// Write writes study.md and study.csv (atomically) into dir.
func (s *Summary) Write(dir string) error {
	if err := atomicio.WriteFile(filepath.Join(dir, "study.md"), []byte(s.Markdown())); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	b, err := s.CSV()
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	if err := atomicio.WriteFile(filepath.Join(dir, "study.csv"), b); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	return nil
}

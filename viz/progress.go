package viz

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress reports live training progress. It picks its output mode when
// created:
//
//   - notebook (running under GoNB, gonbui.IsNotebook): an HTML progress
//     bar in the cell output, updated in place (gonbui.UpdateHTML with a
//     transient display id, at most every 250 ms); [Progress.Done]
//     replaces it with a permanent final version. Nothing is written to w.
//   - terminal (w is an *os.File that is a character device): a single
//     line rewritten with a carriage return (at most every 100 ms), e.g.
//     "[#########...........] 1200/2000  86 steps/s  loss 1.23e-03  eta 9s";
//     Done prints the final state and a newline.
//   - otherwise (files, pipes, buffers, CI logs): one full line, in the
//     same format without the carriage return, each time progress
//     crosses a multiple of EveryPercent percent of total (default 10,
//     so at most ~10 lines), plus a final line from Done.
//
// If total ≤ 0 the total is unknown: no bar, percentage or ETA are shown
// and, in line mode, a line is printed every Every steps (default 1000).
//
// Speed is averaged since the first Update; ETA = remaining steps ÷ speed.
// Progress is safe for concurrent use.
type Progress struct {
	// EveryPercent is the line interval of the non-terminal mode, in
	// percent of total (default 10). Set it before the first Update.
	EveryPercent float64
	// Every is the line interval in steps when total ≤ 0 (default 1000).
	Every int

	mu       sync.Mutex
	w        io.Writer
	total    int
	label    string
	mode     progressMode
	htmlID   string
	now      func() time.Time
	t0       time.Time // time of the first Update
	s0       int       // step of the first Update
	started  bool
	step     int
	loss     float64
	note     string
	lastDraw time.Time
	nextLine float64 // next step threshold for a line in lineMode
	done     bool
	width    int // bar width in characters
}

// progressMode is how a Progress renders.
type progressMode int

const (
	lineMode progressMode = iota
	terminalMode
	notebookMode
)

// NewProgress returns a Progress for a run of total steps labelled label
// (may be empty), writing to w (io.Discard if nil).
func NewProgress(w io.Writer, total int, label string) *Progress {
	if w == nil {
		w = io.Discard
	}
	p := &Progress{w: w, total: total, label: label, now: time.Now, loss: math.NaN(), width: 20}
	switch {
	case gonbui.IsNotebook:
		p.mode = notebookMode
		p.htmlID = "viz_progress_" + gonbui.UniqueId()
	case isTerminal(w):
		p.mode = terminalMode
	}
	return p
}

// isTerminal reports whether w is an *os.File attached to a character
// device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update records that step steps are complete and the current loss is
// loss (NaN if unknown), and refreshes the display when due.
func (p *Progress) Update(step int, loss float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	now := p.now()
	if !p.started {
		p.started, p.t0, p.s0 = true, now, step
		iv := p.lineInterval()
		p.nextLine = (math.Floor(float64(step)/iv) + 1) * iv
	}
	p.step, p.loss = step, loss
	switch p.mode {
	case notebookMode:
		if now.Sub(p.lastDraw) >= 250*time.Millisecond || step >= p.total && p.total > 0 {
			p.lastDraw = now
			gonbui.UpdateHTML(p.htmlID, p.html(now))
		}
	case terminalMode:
		if now.Sub(p.lastDraw) >= 100*time.Millisecond || step >= p.total && p.total > 0 {
			p.lastDraw = now
			fmt.Fprint(p.w, "\r"+p.line(now)+"\x1b[K")
		}
	default:
		if float64(step) >= p.nextLine {
			for p.nextLine <= float64(step) {
				p.nextLine += p.lineInterval()
			}
			fmt.Fprintln(p.w, p.line(now))
		}
	}
}

// SetNote sets a short status shown after the loss, e.g. "round 3/15, rel L2 1.1e-03".
// A new note is a milestone: outside terminals and notebooks it prints a line at once,
// so every round of a long phase shows in a log.
func (p *Progress) SetNote(note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || note == p.note {
		return
	}
	p.note = note
	if p.mode == lineMode && p.started {
		fmt.Fprintln(p.w, p.line(p.now()))
	}
}

// Done prints the final state. Further calls to Update and Done are
// ignored.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	now := p.now()
	switch p.mode {
	case notebookMode:
		gonbui.UpdateHTML(p.htmlID, "")
		gonbui.DisplayHTML(p.html(now))
	case terminalMode:
		fmt.Fprint(p.w, "\r"+p.line(now)+"\x1b[K\n")
	default:
		fmt.Fprintln(p.w, p.line(now))
	}
}

// lineInterval is the step interval between lines in lineMode.
func (p *Progress) lineInterval() float64 {
	if p.total <= 0 {
		if p.Every > 0 {
			return float64(p.Every)
		}
		return 1000
	}
	pct := p.EveryPercent
	if !(pct > 0) {
		pct = 10
	}
	return math.Max(1, float64(p.total)*pct/100)
}

// stats returns the fraction done (NaN if total unknown), speed in
// steps/s (NaN if unknown) and the ETA (negative if unknown).
func (p *Progress) stats(now time.Time) (frac, rate float64, eta time.Duration) {
	frac = math.NaN()
	if p.total > 0 {
		frac = math.Min(1, math.Max(0, float64(p.step)/float64(p.total)))
	}
	rate = math.NaN()
	if dt := now.Sub(p.t0).Seconds(); p.started && dt > 0 && p.step > p.s0 {
		rate = float64(p.step-p.s0) / dt
	}
	eta = -1
	if p.total > 0 && rate > 0 {
		eta = time.Duration(float64(max(p.total-p.step, 0)) / rate * float64(time.Second))
	}
	return frac, rate, eta
}

// line formats the text status line (without carriage return).
func (p *Progress) line(now time.Time) string {
	frac, rate, eta := p.stats(now)
	var b strings.Builder
	if p.label != "" {
		b.WriteString(p.label)
		b.WriteString(" ")
	}
	if p.total > 0 {
		n := int(frac*float64(p.width) + 1e-9)
		b.WriteString("[" + strings.Repeat("#", n) + strings.Repeat(".", p.width-n) + "] ")
		fmt.Fprintf(&b, "%d/%d", p.step, p.total)
	} else {
		fmt.Fprintf(&b, "%d steps", p.step)
	}
	fmt.Fprintf(&b, "  %s steps/s  loss %s", fmtRate(rate), fmtLoss(p.loss))
	if p.total > 0 {
		b.WriteString("  eta " + fmtETA(eta))
	}
	if p.note != "" {
		b.WriteString("  " + p.note)
	}
	return b.String()
}

// html formats the notebook progress bar.
func (p *Progress) html(now time.Time) string {
	frac, rate, eta := p.stats(now)
	pct := 0.0
	if !math.IsNaN(frac) {
		pct = 100 * frac
	}
	var b strings.Builder
	b.WriteString(`<div style="font-family:monospace;font-size:13px;line-height:1.6">`)
	if p.label != "" {
		b.WriteString("<b>" + html.EscapeString(p.label) + "</b> ")
	}
	if p.total > 0 {
		fmt.Fprintf(&b, `<span style="display:inline-block;width:240px;height:11px;border:1px solid #888;vertical-align:middle;background:#eee">`+
			`<span style="display:block;height:100%%;width:%.1f%%;background:#0072B2"></span></span> `, pct)
		fmt.Fprintf(&b, "%d/%d (%.0f%%)", p.step, p.total, pct)
	} else {
		fmt.Fprintf(&b, "%d steps", p.step)
	}
	fmt.Fprintf(&b, " &nbsp; %s steps/s &nbsp; loss %s", fmtRate(rate), fmtLoss(p.loss))
	if p.total > 0 {
		b.WriteString(" &nbsp; eta " + fmtETA(eta))
	}
	if p.note != "" {
		b.WriteString(" &nbsp; " + html.EscapeString(p.note))
	}
	b.WriteString("</div>")
	return b.String()
}

// fmtRate formats a speed, "--" if unknown.
func fmtRate(r float64) string {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return "--"
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	default:
		return fmt.Sprintf("%.2f", r)
	}
}

// fmtLoss formats a loss value as %.2e, "--" if NaN.
func fmtLoss(l float64) string {
	if math.IsNaN(l) {
		return "--"
	}
	return fmt.Sprintf("%.2e", l)
}

// fmtETA formats a duration as "9s", "1m05s" or "2h03m"; "--" if negative.
func fmtETA(d time.Duration) string {
	if d < 0 {
		return "--"
	}
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, (s%3600)/60)
	}
}

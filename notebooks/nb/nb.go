// Package nb holds the helpers the annsvd notebooks share, so that their GoNB cells are
// about the experiment: the quick-mode switch, error handling that shows a failed cell,
// inline figures and training with a live progress display.
//
// Each GoNB cell runs as a fresh program, so these helpers panic on errors instead of
// returning them: GoNB shows the panic as the cell's error output.
package nb

import (
	"os"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/viz"
	"github.com/annsvd/annsvd/viz/pinnplot"
)

// QuickEnv is the environment variable that selects quick mode (value "1").
const QuickEnv = "ANNSVD_QUICK"

// Quick reports whether $ANNSVD_QUICK is "1": small runs, what CI executes
// (notebooks/run.sh sets it); otherwise the notebooks run the full experiments.
func Quick() bool { return os.Getenv(QuickEnv) == "1" }

// Must returns v, or panics with err.
func Must[T any](v T, err error) T {
	Check(err)
	return v
}

// Check panics with err unless it is nil.
func Check(err error) {
	if err != nil {
		panic(err)
	}
}

// Show displays f inline (viz.Figure.Display), or panics with err; it takes a figure
// constructor's two results, as in nb.Show(pinnplot.Loss(res)).
func Show(f *viz.Figure, err error) {
	Check(err)
	Check(f.Display())
}

// TrainLive trains p on the default backend (engine.Default) with a live progress bar
// per phase written to standard output (an updating cell output under GoNB), and
// panics on error.
func TrainLive(label string, p *annsvd.Problem, net annsvd.Config, cfg solve.Config) (*solve.Result, *solve.Run) {
	b, err := engine.Default()
	Check(err)
	update, done := pinnplot.LiveProgress(os.Stdout, label)
	cfg.Progress = update
	res, run, err := solve.Train(b, p, net, cfg)
	done()
	Check(err)
	return res, run
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/internal/atomicio"
	"github.com/annsvd/annsvd/problems/experiments"
	"github.com/annsvd/annsvd/viz/pinnplot"
	"github.com/gomlx/gomlx/backends"
)

func runFigures(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("annsvd figures", flag.ContinueOnError)
	out := fs.String("out", "", "output directory (new or empty); written via a temporary directory renamed at the end")
	quick := fs.Bool("quick", false, "small experiments for CI (Poisson 20 steps on 1 500 points, Burgers, Allen–Cahn and heat 300 Adam + 50 quasi-Newton iterations on 1 000 points per term, optimizer comparison 200 Adam + 150 quasi-Newton iterations on 1 000 points)")
	quiet := fs.Bool("quiet", false, "no progress display")
	if err := parseFlags(fs, args, "usage: annsvd figures -out DIR [-quick]", stderr); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("-out DIR is required")}
	}
	tmp, err := atomicio.StageDir("out", *out)
	if err != nil {
		return usageIfBadDir(err)
	}
	defer os.RemoveAll(tmp) // gone by then when the figures were written
	b, err := openBackend(stdout)
	if err != nil {
		return err
	}
	progress := io.Writer(stderr)
	if *quiet {
		progress = io.Discard
	}
	t0 := time.Now()
	var index strings.Builder
	n, err := figureSections(&index, b, *quick, tmp, progress, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(&index, "---\nTotal wall time %.0f s.\n", time.Since(t0).Seconds())
	if err := os.WriteFile(filepath.Join(tmp, "index.md"), []byte(index.String()), 0o644); err != nil {
		return err
	}
	if err := atomicio.CommitDir(tmp, *out); err != nil {
		return fmt.Errorf("-out %w", err)
	}
	fmt.Fprintf(stdout, "wrote %d figures (svg, pdf, png) and %s in %.0fs\n", n, filepath.Join(*out, "index.md"), time.Since(t0).Seconds())
	return nil
}

// figureSections runs the experiments of annsvd figures, saves their figures in dir and
// writes the index to index and returns the number of figures.
func figureSections(index *strings.Builder, b backends.Backend, quick bool, dir string, progress, stderr io.Writer) (n int, err error) {
	sz, label := experiments.FiguresFull, "full"
	if quick {
		sz, label = experiments.FiguresQuick, "quick"
	}
	fmt.Fprintf(index, "# annsvd figures (%s)\n\nBackend %s (%s). Regenerate with `annsvd figures -out DIR%s`.\n\n",
		label, b.Name(), engine.Describe(b), map[bool]string{true: " -quick", false: ""}[quick])
	if quick {
		index.WriteString("Quick mode: small budgets for CI, so the errors are far from converged (Burgers especially); run without -quick for the paper-sized experiments.\n\n")
	}
	train := func(p *annsvd.Problem, net annsvd.Config, cfg solve.Config, label string) (*solve.Result, *solve.Run, error) {
		upd, done := pinnplot.LiveProgress(progress, label)
		defer done()
		cfg.Progress = upd
		return solve.Train(b, p, net, cfg)
	}
	for _, s := range figureSteps(b, sz, train, progress) {
		ts := time.Now()
		secs, err := s.run()
		if err != nil {
			return n, fmt.Errorf("%s: %w", s.name, err)
		}
		for _, sec := range secs {
			if err := sec.Save(dir, index); err != nil {
				return n, err
			}
			n += len(sec.Items)
		}
		fmt.Fprintf(stderr, "figures: %s done in %.1fs\n", s.name, time.Since(ts).Seconds())
	}
	return n, nil
}

// figureStep is one experiment of annsvd figures and the sections drawn from it.
type figureStep struct {
	name string
	run  func() ([]*pinnplot.Section, error)
}

// figureSteps lists the experiments of annsvd figures in index order.
func figureSteps(b backends.Backend, sz experiments.FigureSizes, train experiments.Trainer, progress io.Writer) []figureStep {
	return []figureStep{
		{"poisson", func() ([]*pinnplot.Section, error) {
			runs, err := experiments.PoissonPaperModes(sz, train)
			return one(runs, err, func() (*pinnplot.Section, error) { return pinnplot.PoissonSection(runs, sz) })
		}},
		{"rank study", func() ([]*pinnplot.Section, error) {
			out, err := experiments.RankStudy(b, sz, progress)
			return one(out, err, func() (*pinnplot.Section, error) { return pinnplot.RankStudySection(out, sz) })
		}},
		{"space-time", func() (secs []*pinnplot.Section, err error) {
			for _, name := range experiments.SpaceTimeProblems {
				st, err := experiments.SpaceTime(name, sz, train)
				s, err := one(st, err, func() (*pinnplot.Section, error) { return pinnplot.SpaceTimeSection(st) })
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				secs = append(secs, s...)
			}
			return secs, nil
		}},
		{"optimizers", func() ([]*pinnplot.Section, error) {
			d, runs, err := experiments.Optimizers(sz, train)
			return one(runs, err, func() (*pinnplot.Section, error) { return pinnplot.OptimizersSection(d, runs) })
		}},
	}
}

// one draws a section from an experiment's result unless the experiment failed.
func one[T any](_ T, err error, draw func() (*pinnplot.Section, error)) ([]*pinnplot.Section, error) {
	if err != nil {
		return nil, err
	}
	s, err := draw()
	return []*pinnplot.Section{s}, err
}

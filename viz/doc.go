// Package viz renders publication-quality figures for physics-informed
// neural network (PINN) experiments with SVD-factorised layers
// W = U·diag(s)·Vᵀ, using gonum/plot.
//
// The package is deliberately decoupled from the rest of the module: all
// inputs are plain data types ([Field2D], [LossSeries], [Phase],
// [Spectrum], [StudyPoint]) that callers fill from their own structures.
//
// Every figure constructor returns a [*Figure], which holds one or more
// panels in a grid and can be written as SVG, PNG or PDF (atomically:
// temporary file + rename), returned as bytes, or shown inline in a GoNB
// (Jupyter) notebook with [Figure.Display]. Live training progress is
// reported by [Progress], which updates an HTML cell in a notebook and a
// carriage-return line in a terminal.
//
// Conventions: fonts are Liberation Sans at 10–13 pt, line colours follow
// the colour-blind-safe Okabe–Ito sequence, sequential colour maps are
// perceptually uniform (Viridis-like), log-scaled axes carry decade labels
// written as 10ⁿ, and legends and colour bars are drawn outside the data
// area so they never hide data.
//
// Invalid input (empty data, mismatched lengths, data with no finite value,
// unwritable paths, …) is reported as an error that names the offending
// value; the package never panics on user data, never calls os.Exit and
// never logs fatally.
package viz

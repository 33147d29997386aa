// Package problems is the PDE catalogue: each problem samples its loss terms (seeded),
// may impose a hard constraint, and carries an independent reference (analytic,
// Cole–Hopf, spectral) for the error metrics. Reference numerics live in problems/ref,
// point samplers in problems/sampling.
//
// A new problem is about 30 lines: register an Entry with its equation, defaults and a
// constructor returning an *annsvd.Problem (see poisson.go and burgers.go).
package problems

import (
	"fmt"
	"sort"
	"strings"

	"github.com/annsvd/annsvd/annsvd"
)

// Defaults are a problem's default network and training budget.
type Defaults struct {
	Widths     []int
	Activation annsvd.Activation
	AdamSteps  int
	LBFGSIters int
	LR         float64
	// SVDNoBias drops the bias of SVD layers (the paper-faithful Poisson preset).
	SVDNoBias bool
}

// Entry is a catalogue entry.
type Entry struct {
	Name     string
	Equation string
	// About is a short description (domain, conditions, reference, points).
	About    string
	Defaults Defaults
	// New builds the problem.
	New func() (*annsvd.Problem, error)
}

var registry = map[string]Entry{}

// Register adds an entry to the catalogue (panics on a duplicate name: a programming error).
func Register(e Entry) {
	if _, dup := registry[e.Name]; dup {
		panic(fmt.Sprintf("problems: %q registered twice", e.Name))
	}
	registry[e.Name] = e
}

// Names lists the registered problems, sorted.
func Names() []string {
	var n []string
	for k := range registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Get returns the entry of a problem by name, or an error listing the known names.
func Get(name string) (Entry, error) {
	e, ok := registry[name]
	if !ok {
		return Entry{}, fmt.Errorf("problems: unknown problem %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return e, nil
}

// New builds a problem by name.
func New(name string) (*annsvd.Problem, error) {
	e, err := Get(name)
	if err != nil {
		return nil, err
	}
	return e.New()
}

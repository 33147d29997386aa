package problems

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/annsvd/annsvd/annsvd"
	"github.com/annsvd/annsvd/annsvd/solve"
	"github.com/annsvd/annsvd/internal/atomicio"
)

// RunRecord is the result.json of annsvd train: the solver's result plus the job's
// description (compare writes a list of them without ProblemOptions).
type RunRecord struct {
	Mode string   `json:"mode"`
	Args []string `json:"args"`
	// ProblemOptions are the options the problem was built with (OfRun rebuilds it
	// from them).
	ProblemOptions *Options `json:"problem_options,omitempty"`
	*solve.Result
}

// OfRun rebuilds the problem of a train -out directory from its result.json (its
// problem name and problem_options).
func OfRun(dir string) (*annsvd.Problem, error) {
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		return nil, fmt.Errorf("-run %s is not a train output directory: %v", dir, atomicio.UnwrapPathErr(err))
	}
	var rj RunRecord
	if err := json.Unmarshal(b, &rj); err != nil {
		return nil, fmt.Errorf("-run %s: result.json: %v", dir, err)
	}
	if rj.Result == nil {
		return nil, fmt.Errorf("-run %s: result.json has no result", dir)
	}
	if rj.ProblemOptions == nil {
		return nil, fmt.Errorf("-run %s: result.json has no problem_options (written by an older annsvd or by compare): retrain with train", dir)
	}
	e, err := Get(rj.Problem)
	if err != nil {
		return nil, fmt.Errorf("-run %s: %v", dir, err)
	}
	return e.Build(*rj.ProblemOptions)
}

package layering

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/annsvd/annsvd/"

// rank is a package's layer: it may import packages of its own rank or lower.
func rank(pkg string) int {
	p := strings.TrimPrefix(pkg, module)
	switch {
	case strings.HasPrefix(p, "cmd/"):
		return 4
	case p == "bench" || p == "viz" || strings.HasPrefix(p, "viz/") || strings.HasPrefix(p, "notebooks/") || p == "kernel":
		return 3
	case p == "problems" || strings.HasPrefix(p, "problems/"):
		return 2
	case p == "annsvd/solve" || p == "annsvd/adapt" || p == "annsvd/study":
		return 1
	}
	return 0 // annsvd, annsvd/engine, annsvd/npy, annsvd/svd, internal/…
}

// Exceptions are lower packages that import a higher one, with the reason (none now).
var exceptions = map[string]string{}

func TestImportsPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "github.com/annsvd/annsvd/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			if rank(imp) > rank(p.ImportPath) && exceptions[p.ImportPath+" → "+imp] == "" {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must point down",
					strings.TrimPrefix(p.ImportPath, module), rank(p.ImportPath), strings.TrimPrefix(imp, module), rank(imp))
			}
		}
	}
	if n < 15 {
		t.Fatalf("go list returned %d packages; expected the whole module", n)
	}
}

// Package kernel is the Jupyter side of annsvd: it holds no Go code, only the
// scripts that install and exercise the GoNB Go kernel used by the notebooks
// under notebooks/. (Not to be confused with GoMLX, where "kernel" means a
// layer's weights.)
//
// Files:
//
//   - install.sh: installs Jupyter (apt, unless ANNSVD_PYTHON/ANNSVD_JUPYTER point
//     to e.g. a conda environment, see environment.yml at the repository root),
//     builds gonb, goimports and gopls from the tool pins in go.mod into
//     $(go env GOPATH)/bin (or $ANNSVD_BIN), registers the "gonb" kernelspec
//     and patches its kernel.json "env" with GOMLX_BACKEND (default
//     "go:ops_sequential,dotgeneral_small"), GOMLX_NO_AUTO_INSTALL=1, PATH and,
//     if set at install time, PJRT_PLUGIN_LIBRARY_PATH. Idempotent.
//   - check.sh NOTEBOOK...: executes notebooks headless with
//     "jupyter nbconvert --execute" on the gonb kernel, checks them with
//     nbcheck.py and exports HTML, all into an output directory
//     (default /tmp/annsvd-nbcheck, or -o DIR).
//   - nbcheck.py: fails, naming notebook and cell, when a cell has an error
//     output or when a figure cell (a code cell whose source contains the
//     comment "// figure") produced no image (image/png, image/svg+xml, or
//     HTML holding an <img>/<svg>: progress bars alone do not count). With
//     --committed it checks notebooks as committed: every code cell executed
//     and an image/png output in every figure cell (nbcheck_test.go tests it).
//
// A notebook imports this module's packages through a go.work created in
// GoNB's temporary directory. Its first code cell must be (before any cell
// importing a non-standard package):
//
//	!*R="${ANNSVD_ROOT:-$(cd "$GONB_DIR" && go list -m -f '{{.Dir}}')}" && test -n "$R" && rm -f go.work && go work init && go work use . "$R"
//	%goworkfix
//	%noautoget
//
// R is the module root found from the notebook's directory; a notebook kept
// outside the repository first runs "%env ANNSVD_ROOT /path/to/annsvd".
// %noautoget matters: GoNB otherwise runs "go get", which asks the module
// proxy for @latest of every imported module (fails offline/behind a restricted
// proxy, and is not reproducible); with it, imports resolve to the versions
// pinned in this module's go.mod through the workspace, so a notebook can only
// import modules that go.mod requires.
package kernel

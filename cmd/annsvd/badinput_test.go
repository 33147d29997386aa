package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd/engine"
	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/stretchr/testify/require"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

// runCLI runs the command line in-process and returns the exit status and outputs.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// tinyBurgers is a fast valid burgers training command line (the classic preset: soft
// losses, float32).
func tinyBurgers(extra ...string) []string {
	return append([]string{"train", "-problem", "burgers", "-preset", "classic", "-widths", "8,8", "-adam", "1", "-lbfgs", "0", "-quiet"}, extra...)
}

// TestBadInput runs the CLI with invalid values: each must exit non-zero (2 for usage
// errors, 1 for runtime errors), print exactly one line on stderr starting with
// "annsvd " that names the bad value, and leave no file in -out.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "a-file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))

	// A valid reference file, then damaged copies.
	good := filepath.Join(tmp, "good.npz")
	require.NoError(t, npy.WriteNPZ(good, map[string]*npy.Array{
		"x": {Shape: []int{3, 1}, Data: []float64{-1, 0, 1}}, "t": {Shape: []int{2, 1}, Data: []float64{0, 0.5}},
		"usol": {Shape: []int{3, 2}, Data: []float64{0, 0, 0, 0.1, 0, 0}},
	}))
	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	truncated := filepath.Join(tmp, "truncated.npz")
	require.NoError(t, os.WriteFile(truncated, raw[:len(raw)-40], 0o644))
	corrupted := filepath.Join(tmp, "corrupted.npz")
	bad := bytes.Clone(raw)
	for i := 100; i < 140 && i < len(bad); i++ {
		bad[i] ^= 0x5a
	}
	require.NoError(t, os.WriteFile(corrupted, bad, 0o644))
	wrongShape := filepath.Join(tmp, "shape.npz")
	require.NoError(t, npy.WriteNPZ(wrongShape, map[string]*npy.Array{
		"x": {Shape: []int{3, 1}, Data: []float64{-1, 0, 1}}, "t": {Shape: []int{2, 1}, Data: []float64{0, 0.5}},
		"usol": {Shape: []int{2, 3}, Data: make([]float64, 6)},
	}))

	zeroRef := filepath.Join(tmp, "zero.npz")
	require.NoError(t, npy.WriteNPZ(zeroRef, map[string]*npy.Array{
		"x": {Shape: []int{3, 1}, Data: []float64{-1, 0, 1}}, "t": {Shape: []int{2, 1}, Data: []float64{0, 0.5}},
		"usol": {Shape: []int{3, 2}, Data: make([]float64, 6)},
	}))

	// A checkpoint of burgers with widths 8,8 (the resume case uses 8,8,8).
	ckdir := filepath.Join(tmp, "ck")
	code, _, stderr := runCLI(tinyBurgers("-checkpoint", ckdir)...)
	require.Equal(t, 0, code, stderr)

	// A checkpoint after 3 Adam steps; an only checkpoint whose variables.npz is truncated.
	ck3 := filepath.Join(tmp, "ck3")
	code, _, stderr = runCLI(tinyBurgers("-adam", "3", "-schedule", "none", "-checkpoint", ck3)...)
	require.Equal(t, 0, code, stderr)
	ckTrunc := filepath.Join(tmp, "cktrunc")
	code, _, stderr = runCLI(tinyBurgers("-checkpoint", ckTrunc)...)
	require.Equal(t, 0, code, stderr)
	vars := filepath.Join(ckTrunc, "ckpt-1", "variables.npz")
	rawVars, err := os.ReadFile(vars)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(vars, rawVars[:len(rawVars)/2], 0o644))

	emptyPlugins := t.TempDir()
	notLib := filepath.Join(t.TempDir(), "pjrt_c_api_junk_plugin.so")
	require.NoError(t, os.WriteFile(notLib, []byte("not a shared library"), 0o644))
	readOnly := filepath.Join(tmp, "ro")
	require.NoError(t, os.Mkdir(readOnly, 0o500))

	type tc struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
		out  string // the -out directory to check, "" for a fresh one added to args
		skip string
	}
	cases := []tc{
		{name: "mode", args: tinyBurgers("-mode", "svd"), code: 2, want: `"svd"`},
		{name: "mode empty", args: tinyBurgers("-mode", ""), code: 2, want: "-mode is empty"},
		{name: "reference and checkpoint empty", args: tinyBurgers("-reference", "", "-checkpoint", ""), code: 2, want: "-checkpoint is empty: need a directory"},
		{name: "rank 0", args: tinyBurgers("-mode", "compact", "-rank", "0"), code: 2, want: "rank 0"},
		{name: "rank > min(m,n)", args: tinyBurgers("-mode", "compact", "-rank", "9"), code: 2, want: "rank 9"},
		{name: "rank without compact", args: tinyBurgers("-mode", "thin", "-rank", "3"), code: 2, want: "-rank 3"},
		{name: "threshold 0", args: tinyBurgers("-mode", "truncated", "-threshold", "0"), code: 2, want: "τ=0"},
		{name: "threshold < 0", args: tinyBurgers("-mode", "truncated", "-threshold", "-0.5"), code: 2, want: "τ=-0.5"},
		{name: "threshold NaN", args: tinyBurgers("-mode", "truncated", "-threshold", "NaN"), code: 2, want: "τ=NaN"},
		{name: "threshold > σ₁", args: tinyBurgers("-mode", "truncated", "-threshold", "50"), code: 2, want: "τ=50"},
		{name: "relative threshold > 1", args: tinyBurgers("-mode", "truncated", "-relative", "-threshold", "1.5"), code: 2, want: "τ=1.5"},
		{name: "width 0", args: tinyBurgers("-widths", "8,0"), code: 2, want: "width 0"},
		{name: "width a", args: tinyBurgers("-widths", "a"), code: 2, want: `"a"`},
		{name: "widths empty", args: tinyBurgers("-widths", ""), code: 2, want: "-widths is empty"},
		{name: "activation", args: tinyBurgers("-activation", "relu"), code: 2, want: `"relu"`},
		{name: "adam -1", args: tinyBurgers("-adam", "-1"), code: 2, want: "-adam -1"},
		{name: "lbfgs -1", args: tinyBurgers("-lbfgs", "-1"), code: 2, want: "-lbfgs -1"},
		{name: "qn-iters -1", args: tinyBurgers("-qn-iters", "-1"), code: 2, want: "-qn-iters -1"},
		{name: "workers 0", args: tinyBurgers("-workers", "0"), code: 2, want: "-workers 0 out of range [1, 256]"},
		{name: "workers 257", args: tinyBurgers("-workers", "257"), code: 2, want: "-workers 257 out of range [1, 256]"},
		{name: "workers above the points", args: tinyBurgers("-workers", "81"), code: 2, want: "workers 81 out of range [1, 80]: term bc has 80 points"},
		{name: "bench workers 0", args: []string{"bench", "-workers", "0"}, code: 2, want: "-workers 0 out of range [1, 256]"},
		{name: "qn-iters and lbfgs disagree", args: tinyBurgers("-qn-iters", "5"), code: 2, want: "-lbfgs 0 and -qn-iters 5"},
		{name: "reference all zero", args: tinyBurgers("-reference", zeroRef), code: 2, want: "usol is zero everywhere"},
		{name: "problems unknown name", args: []string{"problems", "heat", "foo"}, code: 2, want: `unknown problem "foo"`},
		{name: "lr 1e300", args: tinyBurgers("-lr", "1e300"), code: 2, want: "learning rate 1e+300 out of range in float32"},
		{name: "lr 1e-300 in float32", args: tinyBurgers("-lr", "1e-300"), code: 2, want: "learning rate 1e-300 out of range in float32"},
		{name: "qn-max-params 0", args: tinyBurgers("-qn-max-params", "0"), code: 2, want: "-qn-max-params 0"},
		{name: "periodic not periodic", args: tinyBurgers("-periodic", "3"), code: 2, want: "-periodic 3: problem burgers is not periodic"},
		{name: "periodic -1", args: tinyBurgers("-periodic", "-1"), code: 2, want: "-periodic -1"},
		{name: "rba -1", args: tinyBurgers("-rba", "-1"), code: 2, want: "-rba -1"},
		{name: "rba-gamma 1", args: tinyBurgers("-rba", "0.01", "-rba-gamma", "1"), code: 2, want: "-rba-gamma 1"},
		{name: "rba-gamma without rba", args: tinyBurgers("-rba-gamma", "0.9"), code: 2, want: "-rba-gamma needs -rba"},
		{name: "qn unknown", args: tinyBurgers("-qn", "newton"), code: 2, want: `"newton"`},
		{name: "qn dense too large", args: tinyBurgers("-widths", "200,200", "-qn", "ssbroyden", "-lbfgs", "10"), code: 2, want: "p = 41001"},
		{name: "lr 0", args: tinyBurgers("-lr", "0"), code: 2, want: "-lr 0"},
		{name: "lr -1", args: tinyBurgers("-lr", "-1"), code: 2, want: "-lr -1"},
		{name: "lr NaN", args: tinyBurgers("-lr", "NaN"), code: 2, want: "-lr NaN"},
		{name: "lr Inf", args: tinyBurgers("-lr", "Inf"), code: 2, want: "-lr +Inf"},
		{name: "lr not a number", args: tinyBurgers("-lr", "fast"), code: 2, want: `"fast"`},
		{name: "seed -1", args: tinyBurgers("-seed", "-1"), code: 2, want: "-seed -1"},
		{name: "log-every -1", args: tinyBurgers("-log-every", "-1"), code: 2, want: "-log-every -1"},
		{name: "problem", args: tinyBurgers("-problem", "navier"), code: 2, want: `"navier"`},
		{name: "svd-layers 5", args: tinyBurgers("-mode", "thin", "-svd-layers", "5"), code: 2, want: "layer 5"},
		{name: "svd-layers 0", args: tinyBurgers("-mode", "thin", "-svd-layers", "0"), code: 2, want: "layer 0"},
		{name: "svd-layers x", args: tinyBurgers("-mode", "thin", "-svd-layers", "x"), code: 2, want: `"x"`},
		{name: "dtype", args: tinyBurgers("-dtype", "float16"), code: 2, want: `"float16"`},
		{name: "deriv", args: tinyBurgers("-deriv", "finite"), code: 2, want: `"finite"`},
		{name: "out is a file", args: tinyBurgers("-out", file), code: 2, want: file, out: file},
		{name: "out not creatable", args: tinyBurgers("-out", "/proc/annsvd-nope/out"), code: 1, want: "/proc/annsvd-nope/out", out: "/proc/annsvd-nope/out"},
		{name: "out unwritable", args: tinyBurgers("-out", readOnly), code: 1, want: readOnly, out: readOnly,
			skip: map[bool]string{true: "root ignores directory permissions"}[os.Geteuid() == 0]},
		{name: "reference missing", args: tinyBurgers("-reference", filepath.Join(tmp, "missing.npz")), code: 2, want: "missing.npz: open: no such file"},
		{name: "reference truncated", args: tinyBurgers("-reference", truncated), code: 2, want: truncated},
		{name: "reference corrupted", args: tinyBurgers("-reference", corrupted), code: 2, want: corrupted},
		{name: "reference shape", args: tinyBurgers("-reference", wrongShape), code: 2, want: "usol has shape [2 3]"},
		{name: "reference not (x,t)", args: []string{"train", "-problem", "poisson-paper", "-adam", "1", "-quiet", "-reference", good}, code: 2, want: "poisson-paper"},
		{name: "unknown command", args: []string{"trian"}, code: 2, want: `"trian"`},
		{name: "unknown flag", args: tinyBurgers("-epochs", "3"), code: 2, want: "-epochs"},
		{name: "extra argument", args: tinyBurgers("extra"), code: 2, want: `"extra"`},
		{name: "backend xla without plugin", args: tinyBurgers(), code: 1, want: "annsvd xla install",
			env: map[string]string{"GOMLX_BACKEND": "xla:cpu", "PJRT_PLUGIN_LIBRARY_PATH": emptyPlugins, "ANNSVD_XLA_HOME": emptyPlugins}},
		{name: "backend xla plugin not a library", args: tinyBurgers(), code: 1, want: notLib,
			env: map[string]string{"GOMLX_BACKEND": "xla:" + notLib}, skip: map[bool]string{false: "built without XLA"}[engine.XLAAvailable]},
		{name: "backend unknown", args: tinyBurgers(), code: 1, want: `"nosuch"`, env: map[string]string{"GOMLX_BACKEND": "nosuch"}},
		{name: "checkpoint is a file", args: tinyBurgers("-checkpoint", file), code: 2, want: file},
		{name: "every 0", args: tinyBurgers("-checkpoint", filepath.Join(tmp, "ck2"), "-every", "0"), code: 2, want: "-every 0"},
		{name: "keep 0", args: tinyBurgers("-checkpoint", filepath.Join(tmp, "ck2"), "-keep", "0"), code: 2, want: "-keep 0"},
		{name: "every without checkpoint", args: tinyBurgers("-every", "5"), code: 2, want: "-every"},
		{name: "resume other settings", args: tinyBurgers("-widths", "8,8,8", "-resume", ckdir), code: 2, want: "widths [8 8], this run has [8 8 8]"},
		{name: "resume other problem", args: []string{"train", "-problem", "poisson-paper", "-adam", "1", "-quiet", "-resume", ckdir}, code: 2, want: "problem burgers"},
		{name: "resume missing", args: tinyBurgers("-resume", filepath.Join(tmp, "nock")), code: 2, want: "nock"},
		{name: "resume no checkpoint", args: tinyBurgers("-resume", emptyPlugins), code: 2, want: emptyPlugins},
		{name: "huge widths", args: tinyBurgers("-widths", "100000,100000", "-adam", "5"), code: 2, want: "widths [100000 100000] need an estimated"},
		{name: "max-memory 0", args: tinyBurgers("-max-memory", "0"), code: 2, want: "-max-memory 0 out of range"},
		{name: "over max-memory", args: tinyBurgers("-widths", "2000,2000", "-max-memory", "0.1"), code: 2, want: "over the 0.1 GiB memory bound"},
		{name: "weights unknown term", args: tinyBurgers("-weights", "foo=1"), code: 2, want: "foo"},
		{name: "checkpoint not creatable", args: tinyBurgers("-checkpoint", "/proc/annsvd-nope/ck"), code: 1, want: "-checkpoint /proc/annsvd-nope/ck"},
		{name: "resume truncated variables", args: tinyBurgers("-resume", ckTrunc), code: 2, want: "ckpt-1 is unreadable"},
		{name: "resume changed lr", args: tinyBurgers("-lr", "0.05", "-resume", ckdir), code: 2, want: "learning rate 0.005, this run has 0.05"},
		{name: "resume changed weights", args: tinyBurgers("-weights", "ic=1", "-resume", ckdir), code: 2, want: "loss weights map[ic:10], this run has map[ic:1]"},
		{name: "resume longer cosine schedule", args: tinyBurgers("-adam", "2", "-resume", ckdir), code: 2, want: "cosine schedule lr 0.005 → 5e-05 over 1 Adam steps"},
		{name: "resume other point count (fails inside training)", args: tinyBurgers("-points", "100", "-resume", ckdir), code: 1, want: "has 2780×2 points for term pde, this run has 340×2"},
		{name: "resume budget below the steps done", args: tinyBurgers("-adam", "2", "-schedule", "none", "-resume", ck3), code: 2, want: "has done 3 Adam steps, this run's budget is 2"},
	}
	require.GreaterOrEqual(t, len(cases), 30)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			out, args := c.out, c.args
			if out == "" && args[0] == "train" {
				out = filepath.Join(t.TempDir(), "out")
				args = append(cloneArgs(args), "-out", out)
			}
			code, _, stderr := runCLI(args...)
			require.Equal(t, c.code, code, "stderr: %s", stderr)
			require.True(t, strings.HasSuffix(stderr, "\n") && strings.Count(stderr, "\n") == 1, "stderr must be one line: %q", stderr)
			require.True(t, strings.HasPrefix(stderr, "annsvd "), stderr)
			require.Contains(t, stderr, c.want)
			if c.out == "" {
				_, err := os.Stat(out)
				require.ErrorIs(t, err, fs.ErrNotExist, "a refused run created -out")
			} else if fi, err := os.Stat(out); err == nil && fi.IsDir() {
				entries, err := os.ReadDir(out)
				require.NoError(t, err)
				require.Empty(t, entries, "files left in -out")
			}
			t.Logf("exit %d: %s", code, strings.TrimSpace(stderr))
		})
	}
	raw2, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "x", string(raw2), "-out FILE must be left alone")
}

func cloneArgs(s []string) []string { return append([]string(nil), s...) }

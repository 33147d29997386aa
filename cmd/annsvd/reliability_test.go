package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/annsvd/annsvd/annsvd/npy"
	"github.com/annsvd/annsvd/problems"
	"github.com/stretchr/testify/require"
)

// TestInterruptWritesCheckpointAndResult sends SIGINT to this process while the CLI
// trains in-process: training stops after the current step, a final checkpoint and
// result.json ("interrupted": true) are written and the exit status is 130. Resuming
// from the checkpoint then continues at that step.
func TestInterruptWritesCheckpointAndResult(t *testing.T) {
	dir := t.TempDir()
	ck, out := filepath.Join(dir, "ck"), filepath.Join(dir, "out")
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, o, e := runCLI("train", "-problem", "burgers", "-preset", "classic", "-widths", "8,8", "-adam", "100000", "-lbfgs", "0", "-schedule", "none", "-quiet",
			"-checkpoint", ck, "-every", "3", "-keep", "2", "-out", out)
		done <- result{code, o, e}
	}()
	// The first checkpoint proves training (and so the signal handler) is running.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(ck, "ckpt-3")); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "no checkpoint written")
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	var res result
	select {
	case res = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("training did not stop after SIGINT")
	}
	require.Equal(t, 130, res.code, res.stderr)
	require.Equal(t, 1, strings.Count(res.stderr, "\n"), res.stderr)
	require.Contains(t, res.stderr, "annsvd train: interrupted by interrupt at step ")

	var rj struct {
		Interrupted bool `json:"interrupted"`
		Step        int  `json:"step"`
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rj))
	require.True(t, rj.Interrupted)
	require.GreaterOrEqual(t, rj.Step, 3) // the signal may land between the step-3 checkpoint and the stop check
	require.Less(t, rj.Step, 100000)
	require.FileExists(t, filepath.Join(out, "prediction.npz"))
	final := filepath.Join(ck, "ckpt-"+itoa(rj.Step))
	require.DirExists(t, final)
	require.Contains(t, res.stdout, "wrote "+final)

	// Resume to a budget just past the interruption.
	out2 := filepath.Join(dir, "out2")
	code, _, stderr := runCLI("train", "-problem", "burgers", "-preset", "classic", "-widths", "8,8", "-adam", itoa(rj.Step+2), "-lbfgs", "0", "-schedule", "none", "-quiet",
		"-resume", ck, "-out", out2)
	require.Equal(t, 0, code, stderr)
	b, err = os.ReadFile(filepath.Join(out2, "result.json"))
	require.NoError(t, err)
	var rj2 struct {
		Interrupted *bool `json:"interrupted"`
		Step        int   `json:"step"`
	}
	require.NoError(t, json.Unmarshal(b, &rj2))
	require.Nil(t, rj2.Interrupted)
	require.Equal(t, rj.Step+2, rj2.Step)
	require.Contains(t, string(b), `"resumed_from": "`+final+`"`)
}

// TestInterruptDuringQuasiNewtonResumesExactly sends SIGINT while L-BFGS runs (after
// the checkpoint written when its phase starts): no checkpoint of the interrupted
// minimisation is written, the message names the one to resume from, and the resumed
// run ends exactly as the uninterrupted one (metrics and loss history).
func TestInterruptDuringQuasiNewtonResumesExactly(t *testing.T) {
	dir := t.TempDir()
	args := []string{"train", "-problem", "burgers", "-preset", "classic", "-widths", "8,8", "-adam", "5", "-lbfgs", "600",
		"-schedule", "none", "-quiet", "-workers", "1"}
	type result struct {
		Metrics map[string]any `json:"metrics"`
		Step    int            `json:"step"`
		History struct {
			Loss []float64 `json:"loss"`
		} `json:"history"`
		ResumedFrom string `json:"resumed_from"`
	}
	read := func(out string) result {
		var r result
		b, err := os.ReadFile(filepath.Join(out, "result.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &r))
		return r
	}
	full := filepath.Join(dir, "full")
	code, _, stderr := runCLI(append(cloneArgs(args), "-out", full)...)
	require.Equal(t, 0, code, stderr)

	ck, out := filepath.Join(dir, "ck"), filepath.Join(dir, "out")
	done := make(chan [2]any, 1)
	go func() {
		code, _, e := runCLI(append(cloneArgs(args), "-checkpoint", ck, "-out", out)...)
		done <- [2]any{code, e}
	}()
	start := filepath.Join(ck, "ckpt-5") // written when the L-BFGS phase starts
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(start); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "no checkpoint written")
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	var got [2]any
	select {
	case got = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("training did not stop after SIGINT")
	}
	if got[0].(int) == 0 {
		t.Skip("L-BFGS ended before the signal arrived")
	}
	require.Equal(t, 130, got[0], got[1])
	require.Contains(t, got[1], "inside a quasi-Newton minimisation")
	require.Contains(t, got[1], "-resume continues exactly from "+start)
	entries, err := os.ReadDir(ck)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the phase-start checkpoint")
	require.Greater(t, read(out).Step, 5, "interrupted inside L-BFGS")

	out2 := filepath.Join(dir, "out2")
	code, _, stderr = runCLI(append(cloneArgs(args), "-resume", ck, "-out", out2)...)
	require.Equal(t, 0, code, stderr)
	want, res := read(full), read(out2)
	require.Equal(t, start, res.ResumedFrom)
	require.Equal(t, want.Metrics, res.Metrics)
	require.Equal(t, want.Step, res.Step)
	require.Equal(t, want.History.Loss, res.History.Loss)
}

// TestResumeSkipsCorruptCheckpoint: a checkpoint whose variables.npz was replaced by
// another step's (same shapes: only the SHA-256 in state.json tells) is skipped with a
// warning on stderr and in result.json, and the run resumes from the one before; the
// temporary directory of a killed checkpoint write is removed by the next one.
func TestResumeSkipsCorruptCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ck, out := filepath.Join(dir, "ck"), filepath.Join(dir, "out")
	stale := filepath.Join(ck, ".ckpt-7.tmp123456")
	require.NoError(t, os.MkdirAll(stale, 0o755))
	args := []string{"train", "-problem", "burgers", "-preset", "classic", "-widths", "8,8", "-lbfgs", "0", "-schedule", "none", "-quiet"}
	code, _, stderr := runCLI(append(cloneArgs(args), "-adam", "3", "-checkpoint", ck, "-every", "1")...)
	require.Equal(t, 0, code, stderr)
	require.NoDirExists(t, stale)
	b, err := os.ReadFile(filepath.Join(ck, "ckpt-2", "variables.npz"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ck, "ckpt-3", "variables.npz"), b, 0o644))

	code, _, stderr = runCLI(append(cloneArgs(args), "-adam", "4", "-resume", ck, "-out", out)...)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "warning: skipped checkpoint "+filepath.Join(ck, "ckpt-3")+": variables.npz does not match the SHA-256 in state.json (corrupted, or copied from another checkpoint)\n", stderr)
	var rj struct {
		ResumedFrom string   `json:"resumed_from"`
		Skipped     []string `json:"skipped_checkpoints"`
		Step        int      `json:"step"`
	}
	b, err = os.ReadFile(filepath.Join(out, "result.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rj))
	require.Equal(t, filepath.Join(ck, "ckpt-2"), rj.ResumedFrom)
	require.Len(t, rj.Skipped, 1)
	require.Contains(t, rj.Skipped[0], "ckpt-3")
	require.Equal(t, 4, rj.Step)
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestReferenceAndPredictionNPZ trains burgers against a -reference grid file and
// checks DIR/prediction.npz: with the npy reader, and with numpy when available.
func TestReferenceAndPredictionNPZ(t *testing.T) {
	dir := t.TempDir()
	x := []float64{-1, -0.5, 0, 0.5, 1}
	tt := []float64{0, 0.25, 0.5}
	usol := make([]float64, len(x)*len(tt))
	for i := range x {
		for j := range tt {
			usol[i*len(tt)+j] = float64(i) - float64(j)
		}
	}
	ref := filepath.Join(dir, "Burgers.npz")
	require.NoError(t, npy.WriteNPZ(ref, map[string]*npy.Array{
		"x": {Shape: []int{5, 1}, Data: x}, "t": {Shape: []int{3, 1}, Data: tt}, "usol": {Shape: []int{5, 3}, Data: usol},
	}))
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI("train", "-problem", "burgers", "-preset", "classic", "-widths", "8,8", "-adam", "2", "-lbfgs", "0", "-quiet", "-reference", ref, "-out", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "prediction.npz")
	es, err := problems.LoadGridReference(ref)
	require.NoError(t, err)
	got, err := npy.ReadNPZ(filepath.Join(out, "prediction.npz"))
	require.NoError(t, err)
	require.Equal(t, []int{5, 3}, got["usol_pred"].Shape)
	require.Equal(t, []int{5, 1}, got["x"].Shape)
	require.Equal(t, []int{3, 1}, got["t"].Shape)
	require.Equal(t, x, got["x"].Data)
	require.Equal(t, usol, got["usol"].Data)
	require.Equal(t, []int{15, 2}, got["points"].Shape)
	require.Equal(t, got["u_pred"].Data, got["usol_pred"].Data)
	require.Equal(t, es.U, got["u_ref"].Data)
	var rj struct {
		Metrics struct{ N int } `json:"metrics"`
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rj))
	require.Equal(t, 15, rj.Metrics.N) // evaluated on the file's grid, not Cole–Hopf's 256×100

	if exec.Command("/usr/bin/python3", "-c", "import numpy").Run() != nil {
		t.Skip("/usr/bin/python3 with numpy not available")
	}
	script := `import sys, numpy as np
d = np.load(sys.argv[1])
assert d["usol_pred"].shape == (5, 3) and d["usol_pred"].dtype == np.float64, d["usol_pred"].shape
assert d["x"].shape == (5, 1) and d["t"].shape == (3, 1)
assert np.array_equal(d["usol_pred"].ravel(), d["u_pred"])
assert np.array_equal(d["points"][:, 0].reshape(5, 3)[:, 0], d["x"][:, 0])
print("ok")`
	o, err := exec.Command("/usr/bin/python3", "-c", script, filepath.Join(out, "prediction.npz")).CombinedOutput()
	require.NoError(t, err, string(o))
	require.Equal(t, "ok\n", string(o))
}

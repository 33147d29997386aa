package kernel

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cell is one code cell of a test notebook: its source and outputs.
type cell struct {
	src  string
	exec any // execution_count: nil when never executed
	outs []map[string]any
}

var (
	progress = map[string]any{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"text/html": "<div>Adam [####] 3/3</div>"}}
	pngOut = map[string]any{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"image/png": "iVBORw0KGgo=", "text/plain": "figure"}}
	imgHTML = map[string]any{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"text/html": `<img src="data:image/png;base64,iVBORw0KGgo=" width="720"/>`}}
	errOut = map[string]any{"output_type": "error", "ename": "panic", "evalue": "boom", "traceback": []string{"panic: boom"}}
	pipe   = map[string]any{"output_type": "stream", "name": "stderr",
		"text": "failed to write to GoNB pipe \"/tmp/p\", pipes closed\n"}
)

// nbcheck writes a notebook of cells and runs nbcheck.py on it (with args before the
// path); it returns the exit status and the combined output.
func nbcheck(t *testing.T, cells []cell, args ...string) (int, string) {
	t.Helper()
	var cs []map[string]any
	for _, c := range cells {
		outs := c.outs
		if outs == nil {
			outs = []map[string]any{}
		}
		cs = append(cs, map[string]any{"cell_type": "code", "execution_count": c.exec, "metadata": map[string]any{},
			"outputs": outs, "source": c.src})
	}
	b, err := json.Marshal(map[string]any{"cells": cs, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nb.ipynb")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", append(append([]string{"nbcheck.py"}, args...), path)...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestNBCheck(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	const fig = "%%\n// figure\nnb.Show(pinnplot.Loss(res))"
	for _, tc := range []struct {
		name      string
		cells     []cell
		committed bool
		want      string // "" passes
	}{
		{"figure as png", []cell{{"%%\nfmt.Println(1)", 1, nil}, {fig, 2, []map[string]any{progress, pngOut}}}, true, ""},
		{"figure as html img", []cell{{fig, 1, []map[string]any{imgHTML}}}, false, ""},
		{"html img is not enough when committed", []cell{{fig, 1, []map[string]any{imgHTML}}}, true, "figure cell produced no image"},
		{"progress bar only", []cell{{fig, 1, []map[string]any{progress}}}, false, "figure cell produced no image"},
		{"error output", []cell{{"%%\npanic(1)", 1, []map[string]any{errOut}}}, false, "error panic: boom"},
		{"display failed", []cell{{fig, 1, []map[string]any{progress, pipe}}}, false, "stderr looks like a failure"},
		{"never executed", []cell{{"%%\nfmt.Println(1)", nil, nil}}, true, "not executed"},
	} {
		var args []string
		if tc.committed {
			args = []string{"--committed"}
		}
		code, out := nbcheck(t, tc.cells, args...)
		switch {
		case tc.want == "" && code != 0:
			t.Errorf("%s: exit %d, want a pass:\n%s", tc.name, code, out)
		case tc.want != "" && (code != 1 || !strings.Contains(out, tc.want)):
			t.Errorf("%s: exit %d, want 1 with %q:\n%s", tc.name, code, tc.want, out)
		}
	}
}

package engine_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annsvd/annsvd/annsvd/engine"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/stretchr/testify/require"
)

func init() { _ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1") }

// TestMatMulDotVJPEqualsGoMLX compares first- and second-order gradients through Dot
// with the matmul VJP against GoMLX's own broadcast-and-reduce VJP.
func TestMatMulDotVJPEqualsGoMLX(t *testing.T) {
	b, err := engine.NewWithConfig(engine.DefaultConfig)
	require.NoError(t, err)
	fn := func(x, w1, w2 *Node) []*Node {
		h := Tanh(Dot(x, w1))
		u := Dot(h, w2)
		// A PINN-like loss: first derivative w.r.t. x by reverse mode, then gradients
		// w.r.t. the weights (second order through Dot).
		ux := Gradient(ReduceAllSum(u), x)[0]
		loss := Add(ReduceAllMean(Square(u)), ReduceAllMean(Square(ux)))
		grads := Gradient(loss, w1, w2)
		return []*Node{loss, grads[0], grads[1]}
	}
	x := tensors.FromValue([][]float32{{0.1, -0.2}, {0.3, 0.4}, {-0.5, 0.6}})
	w1 := tensors.FromValue([][]float32{{0.5, -0.1, 0.2}, {0.3, 0.7, -0.4}})
	w2 := tensors.FromValue([][]float32{{0.2}, {-0.6}, {0.9}})
	run := func() [][]float32 {
		outs, err := MustNewExec(b, fn).Exec(x, w1, w2)
		require.NoError(t, err)
		var res [][]float32
		for _, o := range outs {
			res = append(res, tensors.MustCopyFlatData[float32](o))
		}
		return res
	}
	ours := run()
	VJPRegistration[NodeTypeDot] = engine.GoMLXDotVJP()
	theirs := run()
	VJPRegistration[NodeTypeDot] = engine.MatMulDotVJP
	for i := range ours {
		require.InDeltaSlice(t, theirs[i], ours[i], 1e-6, "output %d", i)
	}
	require.NotZero(t, ours[1][0])
}

func TestConfigDefault(t *testing.T) {
	t.Setenv(engine.HomeEnvVar, t.TempDir())
	t.Setenv(engine.EnvVar, "")
	require.Equal(t, engine.DefaultConfig, engine.Config())
	t.Setenv(engine.EnvVar, "go")
	require.Equal(t, "go", engine.Config())
}

// fakeInstall records a "cpu" plugin in a fresh XLA home, linked to lib.
func fakeInstall(t *testing.T, lib string) string {
	home := t.TempDir()
	t.Setenv(engine.HomeEnvVar, home)
	dir := filepath.Join(home, "plugins")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.Symlink(lib, filepath.Join(dir, engine.PluginFile("cpu"))))
	raw, err := json.Marshal(engine.Installed{Platform: "cpu", Package: "fake-wheel", Version: "1.0", Library: lib})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cpu.json"), raw, 0o644))
	return home
}

func TestAutoChoosesInstalledPlugin(t *testing.T) {
	t.Setenv(engine.EnvVar, "")
	t.Setenv(engine.TestAutoEnvVar, "")
	fakeInstall(t, "/bin/sh")
	require.Equal(t, engine.DefaultConfig, engine.Config(), "go test keeps pure Go")
	t.Setenv(engine.TestAutoEnvVar, "1")
	home := fakeInstall(t, "/bin/sh")
	in, err := engine.InstalledPlugin("cpu")
	require.NoError(t, err)
	require.Equal(t, "fake-wheel", in.Package)
	require.Equal(t, filepath.Join(home, "plugins", engine.PluginFile("cpu")), in.Link)
	if engine.XLAAvailable {
		require.Equal(t, "xla:cpu", engine.Config())
	} else {
		require.Equal(t, engine.DefaultConfig, engine.Config())
	}
	// A record whose link is gone is not an installation.
	require.NoError(t, os.Remove(in.Link))
	_, err = engine.InstalledPlugin("cpu")
	require.ErrorContains(t, err, "annsvd xla install")
	require.Equal(t, engine.DefaultConfig, engine.Config())
	// Nor is a link without its record (an interrupted install).
	require.NoError(t, os.Symlink("/bin/sh", in.Link))
	require.NoError(t, os.Remove(filepath.Join(home, "plugins", "cpu.json")))
	_, err = engine.InstalledPlugin("cpu")
	require.ErrorContains(t, err, "annsvd xla install")
}

func TestMissingXLAPluginIsOneClearLine(t *testing.T) {
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	t.Setenv(engine.HomeEnvVar, t.TempDir())
	for _, cfg := range []string{"xla:cpu", "xla:/nonexistent/pjrt_c_api_cpu_plugin.so"} {
		_, err := engine.NewWithConfig(cfg)
		require.Error(t, err, cfg)
		msg := err.Error()
		require.NotContains(t, msg, "\n")
		require.Contains(t, msg, cfg)
		if engine.XLAAvailable {
			require.Contains(t, msg, "annsvd xla install")
		}
	}
	_, err := engine.NewWithConfig("nosuchbackend")
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "engine: "), err.Error())
}

func TestCUDAWithoutGPUIsOneLine(t *testing.T) {
	if engine.CheckGPU() == nil {
		t.Skip("this machine has an NVIDIA GPU")
	}
	_, err := engine.NewWithConfig("xla:cuda")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "\n")
	require.Contains(t, err.Error(), "xla:cuda")
	if engine.XLAAvailable {
		require.Contains(t, err.Error(), "no NVIDIA GPU")
	}
}

// TestBadPluginLibraryIsOneLine: a shared library without GetPjrtApi, and a file that
// is no library at all, are refused with one line naming the file.
func TestBadPluginLibraryIsOneLine(t *testing.T) {
	if !engine.XLAAvailable {
		t.Skip("built without XLA support")
	}
	notLib := filepath.Join(t.TempDir(), "pjrt_c_api_junk_plugin.so")
	require.NoError(t, os.WriteFile(notLib, []byte("not an ELF file"), 0o644))
	libs := []string{notLib}
	if m, _ := filepath.Glob("/lib/x86_64-linux-gnu/libm.so.6"); len(m) == 1 {
		libs = append(libs, m[0])
	}
	for _, lib := range libs {
		_, err := engine.NewWithConfig("xla:" + lib)
		require.Error(t, err, lib)
		require.NotContains(t, err.Error(), "\n")
		require.Contains(t, err.Error(), lib)
		require.Error(t, engine.SmokeTest(lib))
	}
}

func TestInstallRejectsUnknownPlatform(t *testing.T) {
	t.Setenv(engine.HomeEnvVar, t.TempDir())
	_, err := engine.Install("tpu", engine.InstallOptions{})
	require.ErrorContains(t, err, `platform "tpu" unknown (allowed: cpu, cuda)`)
}

// TestInstallIsANoOpWhenInstalled: with a plugin recorded, Install neither creates a
// virtual environment nor runs pip.
func TestInstallIsANoOpWhenInstalled(t *testing.T) {
	home := fakeInstall(t, "/bin/sh")
	in, err := engine.Install("cpu", engine.InstallOptions{Python: "/nonexistent/python3"})
	require.NoError(t, err)
	require.Equal(t, "fake-wheel", in.Package)
	_, err = os.Stat(filepath.Join(home, "venv"))
	require.True(t, os.IsNotExist(err))
}

// TestInstallWheelChoice: an unknown -wheel name is one line listing the candidates;
// naming a wheel other than the installed one reinstalls (here it reaches the missing
// Python, so the no-op shortcut was not taken), naming the installed one is a no-op.
func TestInstallWheelChoice(t *testing.T) {
	fakeInstall(t, "/bin/sh")
	_, err := engine.Install("cpu", engine.InstallOptions{Wheel: "nope"})
	require.ErrorContains(t, err, `wheel "nope" unknown (allowed: lammps-jax-pjrt-cpu, `)
	_, err = engine.Install("cpu", engine.InstallOptions{Wheel: "xla-cpu-pjrt", Python: "/nonexistent/python3"})
	require.ErrorContains(t, err, "/nonexistent/python3")
	in, err := engine.Install("cpu", engine.InstallOptions{Wheel: "fake-wheel", Python: "/nonexistent/python3"})
	require.ErrorContains(t, err, `wheel "fake-wheel" unknown`, "fake-wheel is no candidate: %+v", in)
}

// TestCandidatesArePinned: every candidate's requirements file pins one exact version
// with a sha256 and names no index or host.
func TestCandidatesArePinned(t *testing.T) {
	for _, c := range engine.Candidates {
		raw, err := os.ReadFile(filepath.Join(".", c.Requirements))
		require.NoError(t, err, c.Package)
		s := string(raw)
		require.Contains(t, s, c.Package+"=="+c.Version+" ", c.Package)
		require.Regexp(t, `--hash=sha256:[0-9a-f]{64}`, s)
		require.NotContains(t, s, "http")
		require.NotContains(t, s, "--index")
		require.NotContains(t, s, "--extra-index")
	}
}

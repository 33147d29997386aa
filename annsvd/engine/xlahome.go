package engine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HomeEnvVar overrides where the XLA plugins installed by `annsvd xla install` live.
const HomeEnvVar = "ANNSVD_XLA_HOME"

// modulePath identifies this project's go.mod when the project root is searched for.
const modulePath = "github.com/annsvd/annsvd"

// XLAHome returns the directory that holds the project's PJRT plugins and their Python
// virtual environment, in this order: $ANNSVD_XLA_HOME; ROOT/.xla for the first
// directory ROOT at or above the working directory (or, failing that, the executable's
// directory) whose go.mod declares this module; the user's data directory
// ($XDG_DATA_HOME or ~/.local/share)/annsvd/xla. It never creates the directory.
func XLAHome() string {
	if h := strings.TrimSpace(os.Getenv(HomeEnvVar)); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return abs
		}
		return h
	}
	if root := ProjectRoot(); root != "" {
		return filepath.Join(root, ".xla")
	}
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(data, "annsvd", "xla")
}

// ProjectRoot returns the root of the annsvd source tree that contains the working
// directory or the running executable ("" when neither is inside one).
func ProjectRoot() string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for {
			if isProjectRoot(dir) {
				return dir
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return ""
}

func isProjectRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}

// PluginFile is the file name under which a plugin for a platform ("cpu", "cuda") is
// linked in XLAHome()/plugins — the name go-xla searches for.
func PluginFile(platform string) string { return "pjrt_c_api_" + platform + "_plugin.so" }

// Installed describes a plugin installed by `annsvd xla install`, as recorded in
// XLAHome()/plugins/<platform>.json next to the plugin link.
type Installed struct {
	// Platform is "cpu" or "cuda".
	Platform string `json:"platform"`
	// Package and Version name the Python wheel the plugin came from; SHA256 is the
	// wheel's hash from the pinned requirements file.
	Package string `json:"package"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	// Library is the absolute path of the shared library inside the virtual environment;
	// Link is XLAHome()/plugins/PluginFile(Platform), which points to it.
	Library string `json:"library"`
	Link    string `json:"link"`
	// PJRT is the PJRT C API version the library reported when it was installed.
	PJRT string `json:"pjrt"`
	// Rejected lists the candidates tried before this one and why each was refused.
	Rejected []string `json:"rejected,omitempty"`
}

// InstalledPlugin returns the plugin installed for a platform in XLAHome(), or an error
// saying why there is none (never installed, or a link that no longer resolves).
func InstalledPlugin(platform string) (Installed, error) {
	home := XLAHome()
	if home == "" {
		return Installed{}, fmt.Errorf("no XLA home directory (set %s)", HomeEnvVar)
	}
	dir := filepath.Join(home, "plugins")
	raw, err := os.ReadFile(filepath.Join(dir, platform+".json"))
	if err != nil {
		cmd := "annsvd xla install"
		if platform != "cpu" {
			cmd += " " + platform
		}
		return Installed{}, fmt.Errorf("no %s plugin installed in %s: run `%s`", platform, dir, cmd)
	}
	var in Installed
	if err := json.Unmarshal(raw, &in); err != nil {
		return Installed{}, fmt.Errorf("%s: %v (run `annsvd xla install` again)", filepath.Join(dir, platform+".json"), err)
	}
	in.Link = filepath.Join(dir, PluginFile(platform))
	if _, err := os.Stat(in.Link); err != nil {
		return Installed{}, fmt.Errorf("plugin link %s is broken (%v): run `annsvd xla install` again", in.Link, err)
	}
	return in, nil
}

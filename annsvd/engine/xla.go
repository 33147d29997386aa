//go:build cgo && ((linux && amd64) || darwin) && !noxla

package engine

import (
	"fmt"
	"os"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends/xla"
)

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = true

func availableXLAPlugins() ([]string, error) {
	xla.EnableAutoInstall(os.Getenv("ANNSVD_XLA_AUTOINSTALL") == "1")
	return xla.GetAvailablePlugins(), nil
}

// pluginVersion returns the PJRT C API version of a loaded plugin ("" if unknown).
// go-xla caches loaded plugins by path, so this does not load the library again.
func pluginVersion(nameOrPath string) string {
	if nameOrPath == "" {
		return ""
	}
	p, err := pjrt.GetPlugin(nameOrPath)
	if err != nil {
		return ""
	}
	major, minor := p.Version()
	return fmt.Sprintf("%d.%d", major, minor)
}

// pluginPath returns the library path of a plugin GoMLX finds by name.
func pluginPath(name string) string {
	p, err := pjrt.GetPlugin(name)
	if err != nil {
		return ""
	}
	return p.Path()
}

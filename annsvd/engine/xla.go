//go:build cgo && ((linux && amd64) || darwin) && !noxla

package engine

import (
	"os"

	"github.com/gomlx/gomlx/backends/xla"
)

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = true

func availableXLAPlugins() ([]string, error) {
	xla.EnableAutoInstall(os.Getenv("ANNSVD_XLA_AUTOINSTALL") == "1")
	return xla.GetAvailablePlugins(), nil
}

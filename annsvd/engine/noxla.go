//go:build !(cgo && ((linux && amd64) || darwin) && !noxla)

package engine

// XLAAvailable reports whether this binary includes the XLA backend.
const XLAAvailable = false

func availableXLAPlugins() ([]string, error) { return nil, errNoXLA }

func pluginVersion(string) string { return "" }

func pluginPath(string) string { return "" }

package engine

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// Report writes what can run here (annsvd backends): each engine with its status and
// details (with load, each available plugin is loaded to report its PJRT version), the
// one in force and why, and the plugin directory.
func Report(w io.Writer, load bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "backend\tstatus\tdetails")
	fmt.Fprintf(tw, "%s\tavailable\tGoMLX pure Go, one core (the embedded default)\n", DefaultConfig)
	for _, platform := range []string{"cpu", "cuda"} {
		cfg := "xla:" + platform
		in, err := InstalledPlugin(platform)
		var gpuErr error
		if platform == "cuda" {
			gpuErr = CheckGPU()
		}
		switch {
		case !XLAAvailable:
			fmt.Fprintf(tw, "%s\tunavailable\tthis binary was built without cgo (no XLA)\n", cfg)
		case err != nil:
			fmt.Fprintf(tw, "%s\tnot installed\t%v\n", cfg, err)
		case gpuErr != nil:
			fmt.Fprintf(tw, "%s\tinstalled, unusable\t%v\n", cfg, gpuErr)
		default:
			detail := fmt.Sprintf("%s %s, %s", in.Package, in.Version, in.Link)
			if load {
				b, err := NewWithConfig(cfg)
				if err != nil {
					fmt.Fprintf(tw, "%s\tbroken\t%s: %v\n", cfg, detail, err)
					continue
				}
				detail = Describe(b)
				b.Finalize()
			}
			fmt.Fprintf(tw, "%s\tavailable\t%s\n", cfg, detail)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	auto, why := Auto()
	if env := strings.TrimSpace(os.Getenv(EnvVar)); env != "" {
		fmt.Fprintf(w, "in force: %s (from $%s)\n", env, EnvVar)
	} else {
		fmt.Fprintf(w, "in force: %s (automatic: %s)\n", auto, why)
	}
	fmt.Fprintf(w, "plugin directory: %s\n", XLAHome())
	return nil
}

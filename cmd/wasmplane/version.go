package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release, set with -ldflags "-X main.version=v1.2.3".
var version = "devel"

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the VCS revision and the Go version",
		Long: `version prints the wasmplane release, the VCS revision it was built from
("dirty" when the work tree had changes, "unknown" when built without VCS
information, as with -buildvcs=false) and the Go toolchain.

Example:
  wasmplane version
  wasmplane devel (3f2c1e0a9b7d... dirty) go1.26.0`,
		Args: cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), versionString())
		},
	}
}

func versionString() string {
	v, rev, dirty := version, "unknown", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "devel" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version // go install module@version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if dirty {
		rev += " dirty"
	}
	return fmt.Sprintf("wasmplane %s (%s) %s", v, rev, runtime.Version())
}

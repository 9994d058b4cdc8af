package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/wasmplane/wasmplane"
)

func newBuildCmd() *cobra.Command {
	var cacheDir string
	cmd := &cobra.Command{
		Use:   "build <manifest file or dir>",
		Short: "Build the Go guest sources of a manifest's components",
		Long: `build compiles each component that has a source (a Go guest directory) into
a Wasm module in the build cache, as "run" would, and prints where it is.
A source whose inputs are unchanged is reused without running the compiler.

Exit status: 0 built, 1 a build failed (the compiler output is printed),
2 a bad command line or manifest.

Example:
  wasmplane build examples/quickstart
  tokenizer: /home/me/.cache/wasmplane/gobuild/7d1e...c4.wasm (built)`,
		Args: manifestArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			return build(cmd, args[0], cacheDir)
		},
	}
	cmd.Flags().StringVar(&cacheDir, "build-cache", "", "directory for built guests (default $XDG_CACHE_HOME/wasmplane/gobuild or the OS equivalent)")
	return cmd
}

func build(cmd *cobra.Command, path, cacheDir string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	m, err := loadManifest(path, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var built, failed int
	for i, c := range m.Components {
		if c.Source == "" {
			continue
		}
		state := "built"
		opts := wasmplane.AppOptions{BuildCacheDir: cacheDir, OnBuild: func(_, _ string, cached bool) {
			if cached {
				state = "reused"
			}
		}}
		wasm, err := wasmplane.ModulePath(ctx, m, c, opts)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "wasmplane: %v\n", componentError(m, i, "source", err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		built++
		fmt.Fprintf(stdout, "%s: %s (%s)\n", c.Name, wasm, state)
	}
	switch {
	case failed > 0:
		return reported(exitFailure)
	case built == 0:
		fmt.Fprintf(stderr, "wasmplane: nothing to build: no component of %s has a source\n", m.File)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/manifest"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate <manifest file or dir>",
		Short: "Check a manifest and the modules it names, without running anything",
		Long: `validate reads the manifest and reports every problem at once, one per line
as file:line:col: path: message, followed by the count.

When the manifest is valid, each component's module (not its source: see
"wasmplane build") is compiled and put through the load check that "run"
applies: a guest must export the guest ABI, a WASI command must have _start.
Nothing is cached and no instance handles a message.

Exit status: 0 valid, 1 the engine could not start, 2 problems found.

Example:
  wasmplane validate examples/quickstart
  ok: examples/quickstart/wasmplane.json: 4 components`,
		Args: manifestArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			return validate(cmd, args[0])
		},
	}
}

func validate(cmd *cobra.Command, path string) error {
	m, err := loadManifest(path, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	errs, err := checkModules(cmd.Context(), m)
	if err != nil {
		return failure(err)
	}
	if len(errs) > 0 {
		printErrors(cmd.ErrOrStderr(), errs)
		return reported(exitUsage)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "ok: %s: %s\n", m.File, plural(len(m.Components), "component"))
	return nil
}

// checkModules loads each component's module into a throwaway system, so
// that the load check runs, and returns one error per problem. The error
// is for a system that could not be made.
func checkModules(ctx context.Context, m *manifest.Manifest) ([]*manifest.Error, error) {
	sys, err := wasmplane.New(ctx, wasmplane.Config{NoCompileCache: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	defer sys.Close(ctx)
	var errs []*manifest.Error
	for i, c := range m.Components {
		if c.Module == "" {
			continue // Go components, and sources built by run and build
		}
		kind := wasmplane.KindWasm
		if c.Kind == manifest.KindWASICommand {
			kind = wasmplane.KindWASICommand
		}
		bin, err := os.ReadFile(m.Resolve(c.Module))
		if err != nil {
			errs = append(errs, componentError(m, i, "module", err))
			continue
		}
		_, err = sys.LoadModule(ctx, c.Module, bin, kind)
		for _, e := range split(err) {
			errs = append(errs, componentError(m, i, "module", e))
		}
	}
	return errs, nil
}

// split returns the errors joined in err (errors.Join), or err alone.
func split(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var errs []error
		for _, e := range j.Unwrap() {
			errs = append(errs, split(e)...)
		}
		return errs
	}
	return []error{err}
}

// Command wasmplane runs, checks and builds the apps that a manifest
// (docs/manifest.md) describes. See docs/cli.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() { os.Exit(doMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the app, a build or the engine failed
	exitUsage   = 2 // a bad command line, or a manifest that cannot be used
)

// doMain runs the command line args and returns the exit code. Errors are
// written to stderr once, as "wasmplane: <err>".
func doMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exitCode(root.ExecuteContext(context.Background()), stderr)
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "wasmplane",
		Short: "Run apps of Wasm and Go components described by a manifest",
		Long: `wasmplane runs apps made of Wasm and Go components that exchange messages.
An app is described by a manifest, wasmplane.json (see docs/manifest.md).

Example:
  wasmplane validate examples/quickstart
  wasmplane run examples/quickstart`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())
	})
	root.AddCommand(newRunCmd(), newValidateCmd(), newBuildCmd(), newReloadCmd(), newVersionCmd())
	return root
}

// exitError is an error with its exit code. A nil err means the problem
// has already been written to stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// failure marks err as a run-time failure (exit 1).
func failure(err error) error { return &exitError{code: exitFailure, err: err} }

// usageError marks err as a usage error (exit 2).
func usageError(err error) error { return &exitError{code: exitUsage, err: err} }

// reported is returned once a command has written its errors itself.
func reported(code int) error { return &exitError{code: code} }

// exitCode writes err to stderr, unless already written, and maps it to an
// exit code. Errors without a code come from cobra itself (an unknown
// command or flag, a wrong number of arguments): usage errors.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "wasmplane: %v\n", err)
	return code
}

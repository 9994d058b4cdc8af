package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func newReloadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reload <manifest file or dir>",
		Short: "Hot-swap the changed modules of a running app",
		Long: `reload asks the ` + "`wasmplane run`" + ` of a manifest to re-read it and hot-swap every
single-instance Wasm component whose module changed (Go guest sources are
rebuilt). Each swapped component hands its state to the new version and
keeps its PID; messages that arrive meanwhile wait in its mailbox. The run
logs what it swapped.

It finds the run through the PID file the run keeps in the manifest's
directory (` + pidFileName + `) and sends it SIGHUP.

Example:
  make wasm && wasmplane reload examples/quickstart`,
		Args: manifestArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			return reload(cmd, args[0])
		},
	}
}

func reload(cmd *cobra.Command, path string) error {
	dir := path
	if info, err := os.Stat(path); err != nil {
		return usageError(fmt.Errorf("manifest %q: %w", path, err))
	} else if !info.IsDir() {
		dir = filepath.Dir(path)
	}
	pidFile := filepath.Join(dir, pidFileName)
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return failure(fmt.Errorf("no running `wasmplane run` for %s: %s does not exist", dir, pidFile))
	}
	if err != nil {
		return failure(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return failure(fmt.Errorf("%s does not hold a process id: %q", pidFile, strings.TrimSpace(string(b))))
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return failure(fmt.Errorf("process %d from %s is not running (%v): the run ended without removing it", pid, pidFile, err))
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return failure(fmt.Errorf("signal process %d: %w", pid, err))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "asked wasmplane run (pid %d) to reload %s; its log says what was swapped\n", pid, dir)
	return nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/wasmplane/wasmplane/manifest"
)

// manifestArg accepts exactly one argument: the manifest file or directory.
func manifestArg(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return fmt.Errorf("%s: missing the manifest: give a manifest file or a directory holding %s", cmd.CommandPath(), manifest.FileName)
	case len(args) > 1:
		return fmt.Errorf("%s: takes one manifest, got %d arguments: %q", cmd.CommandPath(), len(args), args)
	}
	return nil
}

// loadManifest loads the manifest at path. An invalid manifest has each of
// its errors written to stderr, one per line, then a count; every failure
// is a usage error.
func loadManifest(path string, stderr io.Writer) (*manifest.Manifest, error) {
	m, err := manifest.Load(path)
	if err == nil {
		return m, nil
	}
	var list manifest.ErrorList
	if errors.As(err, &list) {
		printErrors(stderr, list)
		return nil, reported(exitUsage)
	}
	if info, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
		return nil, usageError(fmt.Errorf("manifest %q does not exist: give a manifest file or a directory holding %s", path, manifest.FileName))
	} else if serr == nil && info.IsDir() && errors.Is(err, os.ErrNotExist) {
		return nil, usageError(fmt.Errorf("directory %q holds no %s: give the manifest file's path or its directory", path, manifest.FileName))
	}
	return nil, usageError(err)
}

// printErrors writes each error on its own line
// (file:line:col: path: msg), then how many there are.
func printErrors(w io.Writer, errs []*manifest.Error) {
	for _, e := range errs {
		fmt.Fprintln(w, e.Error())
	}
	fmt.Fprintln(w, plural(len(errs), "error"))
}

// plural formats n and noun, adding an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// componentError is a problem with component i of m, placed at the
// component's opening brace.
func componentError(m *manifest.Manifest, i int, field string, err error) *manifest.Error {
	c := m.Components[i]
	p := fmt.Sprintf("components[%d]", i)
	if field != "" {
		p += "." + field
	}
	return &manifest.Error{File: m.File, Path: p, Line: c.Line, Column: c.Column,
		Msg: fmt.Sprintf("component %q: %v", c.Name, err)}
}

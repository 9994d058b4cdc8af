// Package gobuild builds Go guests (main packages using guest/go) into
// wasip1 reactor modules and caches the result by a hash of their inputs.
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Options configures [Build]. The zero value means defaults.
type Options struct {
	// CacheDir holds built modules, one file per input hash.
	// Default: os.UserCacheDir()/wasmplane/gobuild (os.TempDir() if there
	// is no user cache directory).
	CacheDir string
	// Flags are extra go build flags, such as "-ldflags=-s -w". They are
	// part of the hash.
	Flags []string
	// GoCmd is the go command. Default: GOROOT/bin/go of the running
	// binary's toolchain if it exists, else "go" from PATH.
	GoCmd string
	// Report, if set, is called once per successful Build.
	Report func(Report)
	// Command builds a WASI command (-buildmode=exe, a _start program)
	// instead of a guest (-buildmode=c-shared, exports only).
	Command bool
}

// Report describes a successful [Build].
type Report struct {
	SrcDir   string
	Key      string        // hex input hash, the cache file's base name
	Path     string        // the built module
	CacheHit bool          // true if the compiler did not run
	Duration time.Duration // wall time of Build
}

// fixedFlags are always passed to go build. -buildvcs=false keeps VCS state,
// which is not in the hash, out of the module.
var fixedFlags = []string{"-buildmode=c-shared", "-trimpath", "-buildvcs=false"}

// Build compiles the main package in srcDir with GOOS=wasip1 GOARCH=wasm
// -buildmode=c-shared and returns the path of the module in the cache. If a
// module with the same input hash is cached, it is returned without running
// the compiler. The rest of the environment is inherited.
//
// Concurrent Builds, in one process or several, are safe: each compiles into
// its own temporary directory and renames the result into place. The file at
// the returned path is shared with other callers: read it, do not modify it.
// Nothing prunes the cache; deleting CacheDir is always safe.
//
// # Errors
//
// A failed compile returns an error naming srcDir and holding the compiler's
// output (file:line: message).
func Build(ctx context.Context, srcDir string, opts Options) (string, error) {
	start := time.Now()
	srcDir, err := filepath.Abs(srcDir)
	if err != nil {
		return "", fmt.Errorf("gobuild: %w", err)
	}
	if fi, err := os.Stat(srcDir); err != nil {
		return "", fmt.Errorf("gobuild: source dir: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("gobuild: source %s is not a directory", srcDir)
	}
	goCmd := opts.GoCmd
	if goCmd == "" {
		goCmd = defaultGo()
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		cacheDir = defaultCacheDir()
	}
	flags := append(append([]string(nil), fixedFlags...), opts.Flags...)
	if opts.Command {
		flags[0] = "-buildmode=exe"
	}

	goVersion, err := goVersion(ctx, goCmd, srcDir)
	if err != nil {
		return "", err
	}
	key, err := inputHash(srcDir, goVersion, flags)
	if err != nil {
		return "", fmt.Errorf("gobuild: hash %s: %w", srcDir, err)
	}
	out := filepath.Join(cacheDir, key+".wasm")
	report := func(hit bool) (string, error) {
		if opts.Report != nil {
			opts.Report(Report{SrcDir: srcDir, Key: key, Path: out, CacheHit: hit, Duration: time.Since(start)})
		}
		return out, nil
	}
	if fi, err := os.Stat(out); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
		return report(true)
	}

	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("gobuild: cache dir: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, "build-")
	if err != nil {
		return "", fmt.Errorf("gobuild: cache dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	tmpOut := filepath.Join(tmp, "out.wasm")
	args := append(append([]string{"build"}, flags...), "-o", tmpOut, ".")
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "GOOS="+targetOS, "GOARCH="+targetArch)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("gobuild: go build in %s failed (%v):\n%s", srcDir, err, strings.TrimSpace(output.String()))
	}
	if err := os.Rename(tmpOut, out); err != nil {
		return "", fmt.Errorf("gobuild: %w", err)
	}
	return report(false)
}

const (
	targetOS   = "wasip1"
	targetArch = "wasm"
)

// defaultGo returns the go command of the toolchain that built this binary,
// so tests use the same Go as `go test`, else "go" from PATH.
func defaultGo() string {
	// runtime.GOROOT is deprecated for finding the toolchain of a *program*
	// but is exactly right here: tests and the CLI want the Go they were
	// built with. It is empty for -trimpath binaries, hence the fallback.
	//lint:ignore SA1019 see above
	if root := runtime.GOROOT(); root != "" {
		p := filepath.Join(root, "bin", "go"+exeSuffix())
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wasmplane", "gobuild")
}

// goVersion asks the go command which toolchain it uses in srcDir; that
// accounts for GOTOOLCHAIN switching on the module's go line.
func goVersion(ctx context.Context, goCmd, srcDir string) (string, error) {
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOVERSION")
	cmd.Dir = srcDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var nf *exec.Error
		if errors.As(err, &nf) || errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("gobuild: go command %q: %w (install Go or set Options.GoCmd)", goCmd, err)
		}
		return "", fmt.Errorf("gobuild: %s env GOVERSION in %s: %v: %s", goCmd, srcDir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

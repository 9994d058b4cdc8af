// Package engine runs Wasm modules on wazero for wasmplane: one runtime
// with a file-backed compilation cache, the host module of the guest ABI,
// pooled linear memory with per-instance limits, and the load check that
// rejects a module before any instance of it runs.
package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// ErrLoad matches every load-check failure (errors.Is).
var ErrLoad = errors.New("module failed the load check")

// Config configures an Engine. The zero value means the defaults.
type Config struct {
	// CacheDir holds compiled code between runs. "" means
	// os.UserCacheDir()/wasmplane/compile; if that cannot be made the cache
	// is in memory only.
	CacheDir string
	// NoCache disables the file-backed cache.
	NoCache bool
	// Logger receives engine diagnostics (default slog.Default()).
	Logger *slog.Logger
	// NoPreempt skips the load-time interrupt instrumentation: guests then
	// cannot be given deadlines or be interrupted by a kill.
	NoPreempt bool
}

// Engine compiles modules once and instantiates them many times.
type Engine struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	cacheDir string
	pool     memPool
	log      *slog.Logger
	base     wazero.ModuleConfig
	preempt  bool
}

// DefaultCacheDir is where compiled code is cached unless configured.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "wasmplane", "compile"), nil
}

// New starts a runtime (compiler mode, DWARF off: guests are untrusted and
// traps in modules with large debug sections are slow to unwind).
func New(ctx context.Context, cfg Config) (*Engine, error) {
	e := &Engine{log: cfg.Logger, preempt: !cfg.NoPreempt}
	if e.log == nil {
		e.log = slog.Default()
	}
	rc := wazero.NewRuntimeConfigCompiler().
		WithDebugInfoEnabled(false).
		// Threads: shared memories with atomics and wait/notify, for
		// guests that share regions (shared.go). Guests that do not use
		// them are unaffected.
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesThreads)
	if !cfg.NoCache {
		dir := cfg.CacheDir
		if dir == "" {
			d, err := DefaultCacheDir()
			if err == nil {
				dir = d
			}
		}
		if dir != "" {
			if c, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				e.cache, e.cacheDir = c, dir
			} else {
				e.log.Warn("wasmplane: compile cache unavailable, compiling in memory", "dir", dir, "err", err)
			}
		}
	}
	if e.cache != nil {
		rc = rc.WithCompilationCache(e.cache)
	}
	e.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		e.rt.Close(ctx)
		return nil, fmt.Errorf("engine: instantiate WASI: %w", err)
	}
	if err := buildHostModule(ctx, e.rt); err != nil {
		e.rt.Close(ctx)
		return nil, fmt.Errorf("engine: instantiate host module: %w", err)
	}
	// Seeding a per-instance random source costs most of a small module's
	// instantiation; crypto/rand is shared and needs no seeding. Clocks are
	// real (wazero's defaults are fake).
	e.base = wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithRandSource(rand.Reader).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep()
	return e, nil
}

// CacheDir is the compile cache in use ("" when in memory).
func (e *Engine) CacheDir() string { return e.cacheDir }

// Close releases the runtime and every instance.
func (e *Engine) Close(ctx context.Context) error {
	err := e.rt.Close(ctx)
	if e.cache != nil {
		err = errors.Join(err, e.cache.Close(ctx))
	}
	return err
}

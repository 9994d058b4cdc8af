package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/builtin"
)

// runFlags are the flags of the run command.
type runFlags struct {
	logLevel        string // "" means the manifest's system.log_level
	logFormat       string
	buildCache      string
	duration        time.Duration // 0: no limit
	shutdownTimeout time.Duration
}

func newRunCmd() *cobra.Command {
	f := runFlags{logFormat: "text", shutdownTimeout: 30 * time.Second}
	cmd := &cobra.Command{
		Use:   "run <manifest file or dir>",
		Short: "Run the app a manifest describes until it is stopped",
		Long: `run loads the manifest, builds the Go guest sources it names (reusing
unchanged ones), starts the components in manifest order and waits for the
first of: SIGINT or SIGTERM, --for elapsing, or a component asking the
system to shut down. It then stops the components gracefully in reverse
start order (a second SIGINT kills the process at once), prints why it
stopped and a table of each instance's counters to stdout. Logs go to stderr.

The built-in Go factories "lines" and "print" are available to the manifest;
"print" writes to stdout.

Exit status: 0 stopped cleanly, 1 the app failed to start or to shut down in
time, 2 a bad command line or manifest.

Example:
  wasmplane run examples/quickstart --log-level warn
  wasmplane run ./app/wasmplane.json --for 10m --log-format json`,
		Args: manifestArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error (default: the manifest's system.log_level)")
	fl.StringVar(&f.logFormat, "log-format", f.logFormat, "text or json")
	fl.StringVar(&f.buildCache, "build-cache", "", "directory for built guests (default $XDG_CACHE_HOME/wasmplane/gobuild or the OS equivalent)")
	fl.DurationVar(&f.duration, "for", 0, "stop after this long, such as 30s or 5m (default: no limit)")
	fl.DurationVar(&f.shutdownTimeout, "shutdown-timeout", f.shutdownTimeout, "how long the graceful shutdown may take")
	return cmd
}

func run(cmd *cobra.Command, path string, f runFlags) error {
	if f.duration < 0 {
		return usageError(fmt.Errorf("--for must not be negative; got %s", f.duration))
	}
	if f.shutdownTimeout <= 0 {
		return usageError(fmt.Errorf("--shutdown-timeout must be greater than 0; got %s", f.shutdownTimeout))
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	m, err := loadManifest(path, stderr)
	if err != nil {
		return err
	}
	level := m.System.LogLevel
	if f.logLevel != "" {
		level = f.logLevel
	}
	logger, err := newLogger(stderr, level, f.logFormat)
	if err != nil {
		return usageError(err)
	}

	ctx, stopSignals := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	app, err := wasmplane.StartApp(ctx, m, wasmplane.AppOptions{
		Factories:     builtin.Factories(m.Dir, stdout),
		Logger:        logger,
		BuildCacheDir: f.buildCache,
		OnBuild: func(component, wasm string, cached bool) {
			if cached {
				logger.Info(fmt.Sprintf("reused %s -> %s", component, wasm))
			} else {
				logger.Info(fmt.Sprintf("built %s -> %s", component, wasm))
			}
		},
	})
	if err != nil {
		return failure(err)
	}
	pidFile := filepath.Join(m.Dir, pidFileName)
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		logger.Warn("cannot write the PID file; `wasmplane reload` will not find this run", "file", pidFile, "err", err)
	} else {
		defer os.Remove(pidFile)
	}
	stopReload := reloadOnHangup(ctx, app, logger)
	reason := waitForStop(ctx, app, f.duration)
	stopSignals() // from here on, SIGINT has its default effect: exit now
	stopReload()

	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), f.shutdownTimeout)
	defer cancel()
	closeErr := app.Close(closeCtx)
	if errors.Is(closeErr, wasmplane.ErrGaveUp) {
		reason = "the root supervisor gave up: " + closeErr.Error()
	}
	fmt.Fprintf(stdout, "stopped: %s\n", reason)
	writeSummary(stdout, app.System().Stats())
	_ = app.System().WriteFrameSummaries(stdout)
	switch {
	case errors.Is(closeErr, wasmplane.ErrGaveUp):
		return failure(closeErr)
	case errors.Is(closeErr, context.DeadlineExceeded):
		return failure(fmt.Errorf("shutdown did not finish within --shutdown-timeout %s: %w", f.shutdownTimeout, closeErr))
	case closeErr != nil:
		return failure(fmt.Errorf("shutdown: %w", closeErr))
	}
	return nil
}

// pidFileName is written in the manifest's directory while an app runs,
// for `wasmplane reload`.
const pidFileName = ".wasmplane.pid"

// reloadOnHangup hot-swaps changed modules on SIGHUP until stop is called.
func reloadOnHangup(ctx context.Context, app *wasmplane.App, logger *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-hup:
				swapped, err := app.Reload(ctx)
				if err != nil {
					logger.Error("reload failed", "err", err, "swapped", swapped)
					continue
				}
				logger.Info("reloaded", "swapped", strings.Join(swapped, ","), "count", len(swapped))
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
		<-finished
	}
}

// errForElapsed is the cause of a stop when --for elapsed.
var errForElapsed = errors.New("--for elapsed")

// waitForStop waits until ctx is done (a signal), d elapses (if d > 0) or a
// component asks for shutdown, and says which.
func waitForStop(ctx context.Context, app *wasmplane.App, d time.Duration) string {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, errForElapsed)
		defer cancel()
	}
	if err := app.Wait(ctx); err != nil {
		return stopReason(context.Cause(ctx))
	}
	return stopReason(nil)
}

// stopReason describes why the app stopped: cause is nil when a component
// asked for it, else the cause of the wait's context.
func stopReason(cause error) string {
	if cause == nil {
		return "shutdown requested by a component"
	}
	return cause.Error() // errForElapsed, or "interrupt signal received"
}

// newLogger makes a slog logger writing to w at the named level, in the
// named format.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	switch level {
	case "debug":
		lv = slog.LevelDebug
	case "info":
		lv = slog.LevelInfo
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, fmt.Errorf("log level must be debug, info, warn or error; got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json; got %q", format)
}

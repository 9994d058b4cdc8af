package main

import (
	"bytes"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReload(t *testing.T) {
	t.Run("no run", func(t *testing.T) {
		dir := t.TempDir()
		var out, errb bytes.Buffer
		if code := doMain([]string{"reload", dir}, nil, &out, &errb); code != exitFailure || !strings.Contains(errb.String(), "no running `wasmplane run`") {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	})
	t.Run("stale pid", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, pidFileName), []byte("999999999\n"), 0o644)
		var out, errb bytes.Buffer
		if code := doMain([]string{"reload", dir}, nil, &out, &errb); code != exitFailure || !strings.Contains(errb.String(), "not running") {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	})
	t.Run("signals the run", func(t *testing.T) {
		// This test process stands in for the run: it listens for SIGHUP.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, pidFileName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
		var out, errb bytes.Buffer
		if code := doMain([]string{"reload", filepath.Join(dir, "wasmplane.json")}, nil, &out, &errb); code != exitUsage {
			// The manifest file does not exist: a usage error, nothing sent.
			t.Fatalf("missing manifest file: exit %d", code)
		}
		if code := doMain([]string{"reload", dir}, nil, &out, &errb); code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		select {
		case <-hup:
		case <-time.After(10 * time.Second):
			t.Fatal("no SIGHUP arrived")
		}
	})
}

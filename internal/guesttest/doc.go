// Package guesttest checks the committed guest binaries: that each .wasm is
// what `make wasm` builds from its source today, and that it exports what
// guest ABI v1 (docs/abi.md) and its test role require.
//
// # Basics
//
// The binaries live next to their sources: testdata/c (C guests built with
// guest/c/wasmplane.h), testdata/wat (hand-written WAT) and
// examples/quickstart/counter. The Makefile is the only place that holds the
// build flags; the reproducibility test runs it into a temporary directory.
//
// # Caveats
//
// Bytes are reproducible only with the toolchain that built the committed
// files (Debian clang/lld 14, wabt 1.0.32): another clang version emits
// other code. The reproducibility test is skipped when a tool is missing.
package guesttest

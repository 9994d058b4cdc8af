// Package preempt stops runaway WebAssembly guests cheaply, by rewriting the
// module at load time so that it polls an interrupt flag.
//
// # Basics
//
// Instrument appends one mutable i32 global (0 at instantiation) after every
// existing global, exports it as ExportName, and inserts
//
//	global.get $flag
//	if
//	  unreachable
//	end
//
// at the entry of every defined function and right after every loop's block
// type. Any code that runs for long either loops or calls, so it passes a
// check often. Interrupt (or a Deadline built with After or OnDone) sets the
// flag from another goroutine; the guest traps with "unreachable" at its next
// check and IsInterrupt tells that trap from the guest's own. Nothing else in
// the module changes: no index moves and every other section is copied byte
// for byte.
//
// # Cost
//
// A check is one load and one never-taken branch. Measured on a 2-core
// machine (see bench_test.go and the report in the lead's log): recursive fib
// runs at about 1.0x and a 100,000-iteration counting loop at about 1.3x the
// original, against 2x (fib) and 30x (loop) for wazero's
// WithCloseOnContextDone(true); the tight-loop ratio moves with code
// alignment. A guest stops within tens of microseconds of Interrupt.
//
// # Caveats
//
//   - An interrupted instance must be discarded: the trap lands between two
//     arbitrary loop iterations, so memory and globals may be half updated,
//     and the flag stays set.
//   - Host functions are not interrupted: a long host call must honour its
//     context.Context; the guest traps once control is back in Wasm.
//   - Guest machine code has no Go safepoint. A stop-the-world phase of the
//     Go runtime (or a GC cycle's ragged barrier) that starts while a guest
//     runs waits for that guest to return, and the goroutine that would call
//     Interrupt is stopped meanwhile: a runaway guest can then hang the whole
//     process. The flag alone does not fix this; guests also need periodic
//     safepoints (a call out to Go every N checks). Until then, tests that
//     run endless guests turn the collector off (see noGC in the tests).
//   - Custom sections holding code offsets (DWARF, branch hints) are copied
//     unchanged and point at shifted code; run untrusted guests with debug
//     info off.
//   - Instrument checks structure, not types: an invalid input may come back
//     rewritten and the engine still rejects it.
package preempt

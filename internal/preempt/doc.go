// Package preempt stops runaway WebAssembly guests cheaply, and keeps them
// from stalling the Go runtime, by rewriting the module at load time so that
// it counts down to regular safepoints and polls an interrupt flag.
//
// # Basics
//
// Instrument appends to the module two mutable i32 globals after every
// existing global, the interrupt flag (0, exported as ExportName) and the
// budget (SafepointInterval); one funcref table of size 0 and maximum 0,
// the yield table; and to every defined function one i32 local, its count.
// Nothing else in the module changes: no index moves and every other section
// is copied byte for byte. It inserts a check at the entry of every defined
// function and right after every loop's block type:
//
//	entry:  count = budget - 1; budget = count; if count <= flag { slow path }
//	loop:   count = count - 1;                  if count <= flag { slow path }
//	slow:   count = budget = SafepointInterval
//	        table.grow $yield 0   ;; exits to Go: a safepoint
//	        if flag != 0 { unreachable }
//
// Any code that runs for long either loops or calls, so it passes a check
// often. Interrupt (or a Deadline built with After or OnDone) sets the flag
// to math.MaxInt32 from another goroutine, which makes the next check's
// comparison true: the guest traps with "unreachable" at its next check and
// IsInterrupt tells that trap from the guest's own.
//
// # Safepoints
//
// Machine code compiled by wazero has no Go safepoint: while a guest runs,
// its goroutine cannot be preempted. A stop-the-world phase of the garbage
// collector (or a cycle's ragged barrier) that starts while a guest spins
// would wait for the guest to return, with every other goroutine, including
// the one that would call Interrupt, already stopped: the whole process
// hangs. So every SafepointInterval checks the slow path calls out to Go.
// It does so with table.grow of 0 elements on the private yield table,
// which wazero's compiler implements as an exit from machine code to
// callEngine.callWithStack (exit code ExitCodeTableGrow), which calls
// wasm.TableInstance.Grow, a Go function with a stack check: once the
// runtime has asked the goroutine to stop, that check stops it. No import
// is added (it would shift function indices), and table.grow works in
// modules without a memory (memory.grow exits to Go the same way, but needs
// a memory and locks a shared one).
//
// TestGCWhileGuestsSpin runs 20 garbage collections while more spinning
// guests than Ps run endless loops, loops of calls and tail calls; it runs
// in a child process killed after 30 s, so a regression fails instead of
// hanging. With the safepoints disabled (PREEMPT_GC_BUDGET=2147483647) the
// child hangs at the first collection.
//
// # Cost
//
// Measured on a shared 2-core AMD EPYC (go test -bench, see bench_test.go;
// BenchmarkOverhead alternates original and instrumented calls, so both see
// the same load, and reports the ratio of the fastest calls):
//
//   - a 100,000-iteration counting loop of five instructions, the worst
//     case, runs at 1.34x the original (the flag-only check it replaces cost
//     1.0x but gave no safepoint); recursive fib(20) at 1.05-1.08x.
//     wazero's WithCloseOnContextDone(true) costs 18-28x on the loop and
//     between 1.0x and 1.4x on fib (BenchmarkLoop, BenchmarkFib; the
//     separate runs are noisy on a shared machine).
//   - a slow path costs about 40 ns (BenchmarkBudget), 1% of a tight loop
//     at SafepointInterval = 4096; the runtime then waits for a spinning
//     guest about as long as for a spinning Go loop (stop-the-world p50
//     about 30 us).
//   - a guest stops within tens of microseconds of Interrupt
//     (BenchmarkStopLatency, BenchmarkDeadlineLatency).
//
// # Caveats
//
//   - An interrupted instance must be discarded: the trap lands between two
//     arbitrary loop iterations, so memory and globals may be half updated,
//     and the flag stays set.
//   - Host functions are not interrupted: a long host call must honour its
//     context.Context; the guest traps once control is back in Wasm. Host
//     functions are Go code, so they do not delay a garbage collection.
//   - The output uses table.grow and may hold several tables: the runtime
//     must enable reference types (api.CoreFeaturesV2, wazero's default).
//   - The interval between safepoints is SafepointInterval checks, not a
//     time: a loop whose body is long straight-line code delays a
//     stop-the-world by up to 4096 iterations of it. Code between two checks
//     is straight-line code of one function, so the delay is bounded by the
//     module's size.
//   - Custom sections holding code offsets (DWARF, branch hints) are copied
//     unchanged and point at shifted code; run untrusted guests with debug
//     info off.
//   - Instrument checks structure, not types: an invalid input may come back
//     rewritten and the engine still rejects it.
package preempt

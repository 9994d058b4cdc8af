// Package wasmplane hosts WebAssembly modules and native Go components as
// supervised actors: each component has a PID, a bounded mailbox and
// lifecycle hooks, and components message each other with send,
// request-reply and publish-subscribe, whatever language they are in.
//
// # Basics
//
// A System holds components. Go components implement Component (embed
// Hooks for no-op lifecycle hooks); Wasm modules that speak the guest ABI
// (docs/abi.md) or WASI command modules are loaded once with LoadModule and
// spawned any number of times:
//
//	sys, _ := wasmplane.New(ctx, wasmplane.Config{})
//	defer sys.Close(ctx)
//	mod, _ := sys.LoadModule(ctx, "counter", wasmBytes, wasmplane.KindWasm)
//	pid, _ := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: "counter"})
//	reply, _ := sys.Request(ctx, pid, "top", nil)
//
// # Caveats
//
//   - Payloads are not copied between Go components: a sender must not
//     modify Data after sending it.
//   - A request still unanswered when the handler returns is answered with
//     an ErrNoReply error at once.
//   - A restart gives the component a new PID generation; PIDs held from
//     before are stale and messages to them are dead letters. Look names up
//     again, or keep names rather than PIDs.
package wasmplane

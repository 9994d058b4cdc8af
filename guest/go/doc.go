// Package guest is the Go SDK for wasmplane guests: components written in Go,
// compiled to WebAssembly and run by a wasmplane host. It implements guest
// ABI v1 (docs/abi.md); importing the package makes a main package a guest,
// because the package itself defines the wasmplane_* exports.
//
// # Basics
//
// A guest is a main package built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o echo.wasm ./echo
//
// It registers its callbacks in an init function:
//
//	func init() {
//		guest.OnPostStart(func() error { guest.Info("ready"); return nil })
//		guest.Handle(func(m guest.Message) error {
//			if m.Kind == "echo" && m.IsRequest() {
//				return guest.Reply(m, m.Data)
//			}
//			return nil
//		})
//	}
//
//	func main() {}
//
// Registration must happen in init, not main. The host calls _initialize,
// which on wasip1 with -buildmode=c-shared runs package initialisation
// (variables and init functions) but never main.main: checked with Go 1.26
// and wazero 1.12. main must still exist, because the package is a main
// package; leave it empty.
//
// The host calls the handler once per message, never concurrently, in
// mailbox order. The handler's error is a handler error (logged by the SDK at
// error level and counted by the host; the component keeps running); a panic
// crashes the instance and the host restarts the component with a fresh one,
// so package variables start over. Hooks ([OnPreStart], [OnPostStart],
// [OnPreStop], [OnPostStop]) run around the message loop; an error or panic
// in one fails that start or stop.
//
// Host calls return an [*Error] holding the ABI status; compare it with
// errors.Is against [ErrDeadPID], [ErrTimeout] and the other sentinels.
//
// # Caveats
//
// Memory: a [Message]'s Data aliases a buffer the host owns and overwrites
// with the next delivery. It is valid only until the handler returns; copy it
// (bytes.Clone) to keep it. Kind is copied (it is at most 1 KiB) and may be
// kept. Buffers passed to Send, Request, Reply and Publish are copied by the
// host before the call returns and may be reused at once. Bytes returned by
// [Request] belong to the caller.
//
// Blocking: [Request] and [Call] block the whole instance until the reply
// or the timeout; the component receives nothing meanwhile. Two components that
// request each other form a cycle, reported at once to the request that
// closes it ([ErrDeadlock]); a request to [Self] fails at
// once with [ErrInvalidArgument]. Prefer Send with a reply message where the
// caller need not wait.
//
// Goroutines: wasip1 is single-threaded and goroutines started by a
// callback only run while some callback is running; do not rely on them
// outliving it.
//
// Shared memory: Go guests cannot use Wasm shared memory or threads. Go's
// wasm port has no support for either, so a Go guest is always one
// single-threaded instance with private memory; scale out with several
// instances of the component, not threads.
//
// Shared regions: a Go guest still uses the app's shared regions
// (docs/shm.md) through calls that copy: [ShmRead] and [ShmWrite] on raw
// and mutex regions, [RingPush] and [RingPop] on rings, [TBPublish] and
// [TBAcquire] on triple buffers. The host runs the region's protocol on
// the guest's behalf, so the semantics are those of a sharing C guest
// (whole frames, no lost or duplicated entries), at the cost of one copy
// and one host call each. Measured with Go 1.26 and wazero 1.12 on a
// 2-core machine (BenchmarkGoGuestCopyPath in the root package):
// RingPush of 16-byte entries 1.2–1.8 µs per call of one entry (with the
// host popping on another goroutine), 57–90 ns per entry in calls of 32;
// TBPublish 125–195 ns for 64 bytes, 155–285 ns for 4 KiB. Batch ring
// entries; a sharing C guest does the same without any host call.
//
// Panics: the Go runtime reports an unrecovered panic on stderr and calls
// WASI proc_exit(2); the host sees the call fail and treats it as a crash.
//
// Outside wasip1 (go build, go vet, go test on the developer's machine) the
// package compiles, every host call returns [ErrNotGuest], [Self] and [Now]
// return zero and [Log] writes to slog.Default, so handler logic can be unit
// tested natively.
package guest

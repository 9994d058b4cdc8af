package floor_test

import (
	"testing"

	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// The floor of every workload: plain goroutines and channels for the actor
// workloads (floor_test.go), bare wazero for the Wasm ones
// (wazero_test.go).

func TestMain(m *testing.M) { h.Main(m) }

const (
	name = "floor"
	wz   = "wazero"
)

func BenchmarkSend(b *testing.B)         { h.Leaf(b, name, send) }
func BenchmarkRequestReply(b *testing.B) { h.Leaf(b, name, request) }
func BenchmarkSpawn(b *testing.B) {
	h.Leaf(b, name, spawn)
	h.Leaf(b, name+"-transient", spawnTransient)
}
func BenchmarkLifecycle(b *testing.B) { h.Leaf(b, name, lifecycle) }
func BenchmarkPingPong(b *testing.B)  { h.Leaf(b, name, pingPong) }
func BenchmarkFanOut(b *testing.B)    { h.Leaf(b, name, fanOut) }
func BenchmarkLookup(b *testing.B) {
	h.SizedFixture(b, name, "n", h.LookupSizes, lookupSetup, h.LookupCases(lookup)...)
}

func BenchmarkIdleGo(b *testing.B) { h.Leaf(b, name, idle) }

func BenchmarkMessageIntoWasm(b *testing.B) {
	h.Leaf(b, wz, func(b *testing.B) { wzMessage(b, h.MinimalWasm, h.WasmPayload) })
}

func BenchmarkSpawnWasm(b *testing.B) { h.Leaf(b, wz, wzSpawn) }

// BenchmarkGoToGuest: one export called with CallWithStack (no
// allocation) and, for contrast, with Call.
func BenchmarkGoToGuest(b *testing.B) {
	h.Leaf(b, wz, wzGoToGuest(true))
	h.Leaf(b, wz+"-call", wzGoToGuest(false))
}

func BenchmarkGuestToHost(b *testing.B) { h.Leaf(b, wz, wzGuestToHost) }
func BenchmarkIdleWasm(b *testing.B)    { h.Leaf(b, wz, wzIdle) }

// BenchmarkScale: n live components; send spreads one sender's messages
// over them (msg/s), request does round trips to them in turn.
func BenchmarkScale(b *testing.B) {
	h.SizedFixture(b, name, "n", h.ScaleSizes, scaleSetup,
		h.Case[*scaleFx]{Name: "send", F: scaleSend},
		h.Case[*scaleFx]{Name: "request", F: scaleRequest})
}

func BenchmarkPayloadSend(b *testing.B)    { h.Sized(b, name, "size", h.PayloadSizes, payloadSend) }
func BenchmarkPayloadRequest(b *testing.B) { h.Sized(b, name, "size", h.PayloadSizes, payloadRequest) }

// BenchmarkPayloadSendWasm and BenchmarkPayloadRequestWasm share one floor:
// copy the payload into sink.wasm's memory and call its handler.
func BenchmarkPayloadSendWasm(b *testing.B) {
	h.Sized(b, wz, "size", h.PayloadSizes, func(b *testing.B, n int) { wzMessage(b, h.SinkWasm, n) })
}

func BenchmarkPayloadRequestWasm(b *testing.B) {
	h.Sized(b, wz, "size", h.PayloadSizes, func(b *testing.B, n int) { wzMessage(b, h.SinkWasm, n) })
}

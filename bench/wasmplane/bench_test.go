package wasmplane_test

import (
	"testing"

	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

// wasmplane's side of every workload, through the root embedder API only.
// The workloads are described in docs/performance.md and, for each system,
// next to its implementation.

func TestMain(m *testing.M) { h.Main(m) }

const name = "wasmplane"

func BenchmarkSend(b *testing.B)         { h.Leaf(b, name, send) }
func BenchmarkRequestReply(b *testing.B) { h.Leaf(b, name, request) }
func BenchmarkSpawn(b *testing.B)        { h.Leaf(b, name, spawn) }
func BenchmarkLifecycle(b *testing.B)    { h.Leaf(b, name, lifecycle) }
func BenchmarkPingPong(b *testing.B)     { h.Leaf(b, name, pingPong) }
func BenchmarkFanOut(b *testing.B)       { h.Leaf(b, name, fanOut) }
func BenchmarkLookup(b *testing.B) {
	h.SizedFixture(b, name, "n", h.LookupSizes, lookupSetup, h.LookupCases(lookup)...)
}

func BenchmarkIdleGo(b *testing.B) { h.Leaf(b, name, idleGo) }

func BenchmarkMessageIntoWasm(b *testing.B) {
	h.Leaf(b, name, func(b *testing.B) { messageIntoWasm(b, h.MinimalWasm, h.WasmPayload) })
}

func BenchmarkSpawnWasm(b *testing.B) { h.Leaf(b, name, spawnWasm) }

// BenchmarkGoToGuest: wasmplane's path from Go into guest code is a
// message: an empty one into minimal.wasm's handler.
func BenchmarkGoToGuest(b *testing.B) {
	h.Leaf(b, name, func(b *testing.B) { messageIntoWasm(b, h.MinimalWasm, 0) })
}

func BenchmarkGuestToHost(b *testing.B) { h.Leaf(b, name, guestToHost) }
func BenchmarkIdleWasm(b *testing.B)    { h.Leaf(b, name, idleWasm) }

// BenchmarkScale: n live components; send spreads one sender's messages
// over them (msg/s), request does round trips to them in turn.
func BenchmarkScale(b *testing.B) {
	h.SizedFixture(b, name, "n", h.ScaleSizes, scaleSetup,
		h.Case[*scaleFx]{Name: "send", F: scaleSend},
		h.Case[*scaleFx]{Name: "request", F: scaleRequest})
}

func BenchmarkPayloadSend(b *testing.B)    { h.Sized(b, name, "size", h.PayloadSizes, payloadSend) }
func BenchmarkPayloadRequest(b *testing.B) { h.Sized(b, name, "size", h.PayloadSizes, payloadRequest) }

func BenchmarkPayloadSendWasm(b *testing.B) {
	h.Sized(b, name, "size", h.PayloadSizes, func(b *testing.B, n int) { messageIntoWasm(b, h.SinkWasm, n) })
}

func BenchmarkPayloadRequestWasm(b *testing.B) {
	h.Sized(b, name, "size", h.PayloadSizes, payloadRequestWasm)
}

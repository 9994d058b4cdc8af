package hollywood_test

import (
	"testing"

	h "github.com/wasmplane/wasmplane/bench/internal/harness"
)

func TestMain(m *testing.M) { h.Main(m) }

const name = "hollywood"

func BenchmarkSend(b *testing.B)         { h.Leaf(b, name, send) }
func BenchmarkRequestReply(b *testing.B) { h.Leaf(b, name, request) }
func BenchmarkSpawn(b *testing.B)        { h.Leaf(b, name, spawn) }
func BenchmarkLifecycle(b *testing.B)    { h.Leaf(b, name, lifecycle) }
func BenchmarkPingPong(b *testing.B)     { h.Leaf(b, name, pingPong) }
func BenchmarkFanOut(b *testing.B)       { h.Leaf(b, name, fanOut) }
func BenchmarkLookup(b *testing.B) {
	h.SizedFixture(b, name, "n", h.LookupSizes, lookupSetup, h.LookupCases(lookup)...)
}

func BenchmarkIdleGo(b *testing.B) { h.Leaf(b, name, idle) }

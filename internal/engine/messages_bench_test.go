package engine_test

import (
	"context"
	"encoding/binary"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane"
)

// BenchmarkGuestToGuestMessages is BenchmarkGuestToGuest through actor
// messages: one Wasm guest sends 64-byte messages to another with the
// ABI's send (testdata/wat/msg_sender.wat → msg_receiver.wat), each a copy
// into a mailbox and a call into the receiver on its own goroutine; ns
// per message. One host request per chunk starts the sender, which ends
// the chunk with a request to the receiver; its count and checksum are
// checked.
func BenchmarkGuestToGuestMessages(b *testing.B) {
	ctx := context.Background()
	sys, err := wasmplane.New(ctx, wasmplane.Config{Logger: slog.New(slog.DiscardHandler), CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Close(ctx)
	spawn := func(name string) wasmplane.PID {
		bin, err := os.ReadFile("../../testdata/wat/" + name + ".wasm")
		if err != nil {
			b.Fatal(err)
		}
		mod, err := sys.LoadModule(ctx, name, bin, wasmplane.KindWasm)
		if err != nil {
			b.Fatal(err)
		}
		pid, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: name,
			Mailbox: wasmplane.MailboxConfig{Capacity: 4096}})
		if err != nil {
			b.Fatal(err)
		}
		return pid
	}
	sender, receiver := spawn("msg_sender"), spawn("msg_receiver")
	const chunk = 50_000
	b.SetBytes(64)
	b.ResetTimer()
	for left := b.N; left > 0; left -= chunk {
		k := uint64(min(left, chunk))
		arg := binary.LittleEndian.AppendUint64(nil, uint64(receiver))
		arg = binary.LittleEndian.AppendUint32(arg, uint32(k))
		rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		r, err := sys.Request(rctx, sender, "run", arg)
		cancel()
		if err != nil || len(r) != 16 {
			b.Fatalf("run: %q, %v", r, err)
		}
		if n, sum := binary.LittleEndian.Uint64(r), binary.LittleEndian.Uint64(r[8:]); n != k || sum != k*(k-1)/2 {
			b.Fatalf("receiver got %d messages with sum %d; want %d, %d", n, sum, k, k*(k-1)/2)
		}
	}
}

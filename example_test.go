package wasmplane_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/wasmplane/wasmplane"
)

// greeter is a Go component: embed Hooks, write Receive.
type greeter struct{ wasmplane.Hooks }

func (greeter) Receive(c *wasmplane.Context, m wasmplane.Message) error {
	return c.Reply(m, []byte("hello, "+string(m.Data)))
}

// Example runs a Go component and a C guest side by side.
func Example() {
	ctx := context.Background()
	sys, err := wasmplane.New(ctx, wasmplane.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer sys.Close(ctx)

	hello, _ := sys.Spawn(func() (wasmplane.Component, error) { return greeter{}, nil },
		wasmplane.SpawnOptions{Name: "greeter"})
	reply, _ := sys.Request(ctx, hello, "greet", []byte("Go"))
	fmt.Println(string(reply))

	wasm, _ := os.ReadFile("testdata/c/participant.wasm")
	mod, err := sys.LoadModule(ctx, "participant", wasm, wasmplane.KindWasm)
	if err != nil {
		panic(err)
	}
	guest, _ := sys.Spawn(mod.Factory(wasmplane.WasmOptions{MemoryLimitPages: 16}),
		wasmplane.SpawnOptions{Name: "c-guest"})
	reply, _ = sys.Request(ctx, guest, "echo", []byte("from C"))
	fmt.Println(string(reply))
	// Output:
	// hello, Go
	// c:from C
}

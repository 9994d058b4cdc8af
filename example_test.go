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

// adder serves the typed operation "math.add".
type adder struct{ wasmplane.Hooks }

func (adder) Receive(*wasmplane.Context, wasmplane.Message) error { return nil }

func (adder) HandleOperation(_ *wasmplane.Context, op string, args []any) ([]any, error) {
	return []any{args[0].(int32) + args[1].(int32)}, nil
}

// ExampleSystem_Call defines an interface, serves it from a Go component
// and calls it with typed values; a wrong type is refused before the
// component runs.
func ExampleSystem_Call() {
	ctx := context.Background()
	sys, err := wasmplane.New(ctx, wasmplane.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer sys.Close(ctx)

	i32, _ := wasmplane.ParseType("i32")
	err = sys.DefineInterface(wasmplane.Interface{Name: "math", Ops: []wasmplane.Op{{
		Name:    "add",
		Params:  []wasmplane.Param{{Name: "a", Type: i32}, {Name: "b", Type: i32}},
		Results: []wasmplane.Param{{Name: "sum", Type: i32}},
	}}})
	if err != nil {
		panic(err)
	}
	pid, _ := sys.Spawn(func() (wasmplane.Component, error) { return adder{}, nil },
		wasmplane.SpawnOptions{Name: "adder"})

	res, err := sys.Call(ctx, pid, "math.add", 40, 2)
	fmt.Println(res[0], err)

	_, err = sys.Call(ctx, pid, "math.add", "forty", 2)
	fmt.Println(err)
	// Output:
	// 42 <nil>
	// op "math.add" param "a": expected i32, got string
}

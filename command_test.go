package wasmplane_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane"
	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

// TestWASICommandFromGo runs a plain Go wasip1 program (it knows nothing of
// wasmplane) as a component, with args, env and a read-only preopen.
func TestWASICommandFromGo(t *testing.T) {
	sys := newSystem(t, nil)
	ctx := context.Background()
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "hello.txt"), []byte("from the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	mod := load(t, sys, "gocommand", gobuildtest.BuildCommand(t, "testdata/gocommand"), wasmplane.KindWASICommand)
	pid, err := sys.Spawn(mod.Factory(wasmplane.WasmOptions{
		Args:     []string{"-v", "two words"},
		Env:      [][2]string{{"GREETING", "bonjour"}},
		Preopens: []wasmplane.Preopen{{Host: data, Guest: "/data", ReadOnly: true}},
	}), wasmplane.SpawnOptions{Name: "cmd"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"args": "-v,two words", "env": "bonjour", "read": "from the host"} {
		out, err := sys.Request(ctx, pid, "run", []byte(in))
		if err != nil || string(out) != want {
			t.Errorf("%s: %q %v, want %q", in, out, err, want)
		}
	}
	// A non-zero exit is an error reply quoting stderr; the component keeps serving.
	_, err = sys.Request(ctx, pid, "run", []byte("write"))
	var re *wasmplane.RemoteError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "exited with code 5") || !strings.Contains(err.Error(), "write refused") {
		t.Fatalf("read-only preopen write: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "out.txt")); !os.IsNotExist(err) {
		t.Fatal("a read-only preopen was written to")
	}
	if out, err := sys.Request(ctx, pid, "run", []byte("env")); err != nil || string(out) != "bonjour" {
		t.Fatalf("after an error exit: %q %v", out, err)
	}
}

// TestWASICommandOneWayRepliesToSender: stdout of a one-way message goes
// back to the sender as kind "stdout".
func TestWASICommandOneWayRepliesToSender(t *testing.T) {
	sys := newSystem(t, nil)
	upper := load(t, sys, "upper", readFile(t, "testdata/wat/upper_cmd.wasm"), wasmplane.KindWASICommand)
	cmd, err := sys.Spawn(upper.Factory(wasmplane.WasmOptions{}), wasmplane.SpawnOptions{Name: "upper"})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	_, err = sys.Spawn(func() (wasmplane.Component, error) {
		return &oneShot{to: cmd, got: got}, nil
	}, wasmplane.SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != "stdout LOUD" {
		t.Fatalf("got %q", g)
	}
}

type oneShot struct {
	wasmplane.Hooks
	to  wasmplane.PID
	got chan string
}

func (o *oneShot) PostStart(c *wasmplane.Context) error { return c.Send(o.to, "run", []byte("loud")) }
func (o *oneShot) Receive(_ *wasmplane.Context, m wasmplane.Message) error {
	o.got <- m.Kind + " " + string(m.Data)
	return nil
}

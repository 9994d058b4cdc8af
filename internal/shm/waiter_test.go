package shm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWaiterModuleMatchesWat: the helper's hand-built bytes are exactly
// what wat2wasm makes of testdata/waiter.wat.
func TestWaiterModuleMatchesWat(t *testing.T) {
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Skip("wat2wasm not found on PATH")
	}
	out := filepath.Join(t.TempDir(), "waiter.wasm")
	if b, err := exec.Command("wat2wasm", "--enable-threads", "-o", out, "testdata/waiter.wat").CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := waiterModule("env", "memory"); !bytes.Equal(got, want) {
		t.Fatalf("waiterModule differs from wat2wasm:\n got %x\nwant %x", got, want)
	}
}

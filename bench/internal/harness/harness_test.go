package harness

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWasmReproducible: the committed .wasm files are what wat2wasm makes
// of the .wat next to them (skipped without wat2wasm).
func TestWasmReproducible(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed")
	}
	for _, wasm := range []string{SinkWasm, HostcallWasm} {
		t.Run(filepath.Base(wasm), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.wasm")
			src := wasm[:len(wasm)-len(".wasm")] + ".wat"
			if b, err := exec.Command(tool, src, "-o", out).CombinedOutput(); err != nil {
				t.Fatalf("wat2wasm %s: %v\n%s", src, err, b)
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := ReadFile(t, wasm); !bytes.Equal(got, want) {
				t.Errorf("%s differs from wat2wasm %s: rebuild it", wasm, src)
			}
		})
	}
}

func TestScaleStride(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 1_000, 100_000, 1_000_000} {
		s := ScaleStride(n)
		seen := make([]bool, n)
		j := 0
		for range n {
			if seen[j] {
				t.Fatalf("n=%d stride %d revisits %d before covering all", n, s, j)
			}
			seen[j] = true
			j = (j + s) % n
		}
	}
}

func TestCountdown(t *testing.T) {
	c := NewCountdown()
	for round := 1; round <= 3; round++ {
		c.Arm(round)
		for range round {
			go c.Hit()
		}
		c.Wait()
	}
}

func TestLookupNames(t *testing.T) {
	names := LookupNames("c", 10, HotNames)
	if len(names) != HotNames {
		t.Fatalf("%d names, want %d", len(names), HotNames)
	}
	for _, n := range names {
		if len(n) != 2 || n[0] != 'c' || n[1] < '0' || n[1] > '9' {
			t.Fatalf("name %q is not one of c0…c9", n)
		}
	}
}

package guest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

func TestTokenizer(t *testing.T) {
	wasm := gobuildtest.Build(t, guests[1].dir)
	counter := pid(5, 1)
	words := func(ws ...string) []sent {
		var out []sent
		for _, w := range ws {
			out = append(out, sent{counter, "word", w})
		}
		return out
	}
	tests := []struct {
		name string
		kind string
		data string
		want []sent
		trap bool
	}{
		{name: "line", kind: "line", data: "Hello, World! don't PANIC", want: words("hello", "world", "don't", "panic")},
		{name: "non-ascii", kind: "line", data: "caf\u00e9 ok", want: words("caf", "ok")},
		{name: "empty line", kind: "line", data: ""},
		{name: "eof", kind: "eof", data: "n=3", want: []sent{{counter, "eof", "n=3"}}},
		{name: "poison", kind: "line", data: "first words POISON last", trap: true},
		{name: "poison lowercase", kind: "line", data: "poison Poison", want: words("poison", "poison")},
		{name: "poison inside word", kind: "line", data: "POISONED xPOISON", want: words("poisoned", "xpoison")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startGuest(t, wasm, &fakeHost{names: map[string]uint64{"counter": counter}})
			st, err := h.deliver(t, 0, 0, 0, tt.kind, []byte(tt.data))
			if tt.trap {
				if err == nil || !strings.Contains(h.stderr.String(), "poison line") {
					t.Errorf("got status %d, err %v, stderr %q; want a trap with \"poison line\"", st, err, h.stderr.String())
				}
			} else if err != nil || st != 0 {
				t.Errorf("status %d, err %v\n%s", st, err, h.stderr.String())
			}
			if !slices.Equal(h.sent, tt.want) {
				t.Errorf("sent %v, want %v", h.sent, tt.want)
			}
		})
	}
}

// TestTokenizerCounterRestart checks that the tokenizer caches the counter's
// PID and looks it up again once when the counter has restarted.
func TestTokenizerCounterRestart(t *testing.T) {
	old, restarted := pid(5, 1), pid(5, 2)
	h := startGuest(t, gobuildtest.Build(t, guests[1].dir), &fakeHost{
		names: map[string]uint64{"counter": old},
		dead:  map[uint64]bool{},
	})
	if st, err := h.call(t, "wasmplane_post_start"); err != nil || st != 0 {
		t.Fatalf("post_start = %d, %v", st, err)
	}
	if !slices.Contains(h.logs, logLine{1, "tokenizer ready"}) {
		t.Errorf("logs %v, want info \"tokenizer ready\"", h.logs)
	}
	deliver := func(line string) int32 {
		t.Helper()
		st, err := h.deliver(t, 0, 0, 0, "line", []byte(line))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	deliver("a")
	h.dead[old] = true
	h.names["counter"] = restarted
	if st := deliver("b c"); st != 0 {
		t.Fatalf("status %d after the counter restarted; want 0", st)
	}
	want := []sent{{old, "word", "a"}, {restarted, "word", "b"}, {restarted, "word", "c"}}
	if !slices.Equal(h.sent, want) {
		t.Errorf("sent %v, want %v", h.sent, want)
	}
	// Both incarnations dead: one retry only, then a handler error.
	h.dead[restarted] = true
	if st := deliver("d"); st != 1 {
		t.Errorf("status %d with the counter dead; want 1", st)
	}
}

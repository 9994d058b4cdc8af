package guest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wasmplane/wasmplane/internal/gobuild/gobuildtest"
)

func pid(index, gen uint64) uint64 { return index<<24 | gen }

const (
	flagRequest   = 1
	flagPublished = 2
)

// TestParticipant runs testdata/goguest/participant against the fake host:
// it checks the participant's behaviour and, through it, that the SDK passes
// messages, replies, requests (short and long replies), lookups, logs and
// statuses correctly.
func TestParticipant(t *testing.T) {
	wasm := gobuildtest.Build(t, guests[0].dir)
	target, collector := pid(3, 1), pid(4, 2)
	long := strings.Repeat("0123456789", 1000) // > the SDK's 4 KiB reply buffer

	tests := []struct {
		name    string
		corr    uint64
		flags   uint32
		kind    string
		data    string
		reply   func(to uint64, kind string, data []byte) ([]byte, int32)
		status  int32
		check   func(t *testing.T, h *fakeHost)
		wantLog logLine
	}{
		{name: "echo", corr: 7, flags: flagRequest, kind: "echo", data: "hi",
			check: func(t *testing.T, h *fakeHost) {
				if got := string(h.replies[7]); got != "go:hi" {
					t.Errorf("reply = %q, want %q", got, "go:hi")
				}
			}},
		{name: "relay", kind: "relay", data: "target|a|b",
			check: wantSent(sent{target, "relayed", "go:a|b"})},
		{name: "relay to unknown", kind: "relay", data: "nobody|x", status: 1,
			check: wantSent()},
		{name: "ask", kind: "ask", data: "target|q",
			reply: func(to uint64, kind string, data []byte) ([]byte, int32) {
				if to != target || kind != "echo" || string(data) != "q" {
					return nil, -2
				}
				return []byte("c:q"), 0
			},
			check: wantPublished(sent{0, "answers", "c:q"})},
		{name: "ask long reply", kind: "ask", data: "target|q",
			reply: func(uint64, string, []byte) ([]byte, int32) { return []byte(long), 0 },
			check: wantPublished(sent{0, "answers", long})},
		{name: "ask timeout", kind: "ask", data: "target|q",
			reply: func(uint64, string, []byte) ([]byte, int32) { return nil, -6 },
			check: wantPublished(sent{0, "answers", "go:error:-6"})},
		{name: "ask unknown", kind: "ask", data: "nobody|q",
			check: wantPublished(sent{0, "answers", "go:error:-3"})},
		{name: "subscribe", kind: "subscribe", data: "news",
			check: func(t *testing.T, h *fakeHost) {
				if !slices.Equal(h.subs, []string{"news"}) {
					t.Errorf("subscriptions = %q, want [news]", h.subs)
				}
			}},
		{name: "published", flags: flagPublished, kind: "news", data: "d",
			check: wantSent(sent{collector, "seen", "go:news:d"})},
		{name: "published echo topic", flags: flagPublished, kind: "echo", data: "d",
			check: wantSent(sent{collector, "seen", "go:echo:d"})},
		{name: "fail", kind: "fail", status: 1, wantLog: logLine{3, "handler: kind fail: fail requested"}},
		{name: "unknown", kind: "zzz", wantLog: logLine{2, "go:unknown kind zzz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startGuest(t, wasm, &fakeHost{
				names:   map[string]uint64{"target": target, "collector": collector},
				request: tt.reply,
			})
			st, err := h.deliver(t, pid(9, 1), tt.corr, tt.flags, tt.kind, []byte(tt.data))
			if err != nil {
				t.Fatalf("receive trapped: %v\n%s", err, h.stderr.String())
			}
			if st != tt.status {
				t.Errorf("status = %d, want %d (logs %v)", st, tt.status, h.logs)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
			if tt.wantLog != (logLine{}) && !slices.Contains(h.logs, tt.wantLog) {
				t.Errorf("logs = %v, want %v among them", h.logs, tt.wantLog)
			}
		})
	}
}

func TestParticipantHooks(t *testing.T) {
	h := startGuest(t, gobuildtest.Build(t, guests[0].dir), &fakeHost{})
	for _, hook := range []string{"pre_start", "post_start", "pre_stop", "post_stop"} {
		st, err := h.call(t, "wasmplane_"+hook)
		if err != nil || st != 0 {
			t.Fatalf("%s = %d, %v", hook, st, err)
		}
		if want := (logLine{1, "go:" + hook}); !slices.Contains(h.logs, want) {
			t.Errorf("after %s: logs %v, want %v", hook, h.logs, want)
		}
	}
	if v, err := h.call(t, "wasmplane_abi_version"); v != 1 || err != nil {
		t.Errorf("wasmplane_abi_version = %d, %v; want 1", v, err)
	}
}

// TestParticipantMany sends messages of growing and shrinking sizes through
// one instance, so the inbox is grown and reused, and several long replies,
// so the reply buffer is grown.
func TestParticipantMany(t *testing.T) {
	target := pid(3, 1)
	h := startGuest(t, gobuildtest.Build(t, guests[0].dir), &fakeHost{
		names: map[string]uint64{"target": target},
		request: func(_ uint64, _ string, data []byte) ([]byte, int32) {
			return append([]byte("r:"), data...), 0
		},
	})
	sizes := []int{0, 1, 100, 5000, 3, 70000, 10, 20000}
	for i, n := range sizes {
		payload := strings.Repeat(string(rune('a'+i)), n)
		st, err := h.deliver(t, 0, uint64(i+1), flagRequest, "echo", []byte(payload))
		if err != nil || st != 0 {
			t.Fatalf("echo %d bytes: %d, %v\n%s", n, st, err, h.stderr.String())
		}
		if got := string(h.replies[uint64(i+1)]); got != "go:"+payload {
			t.Fatalf("echo %d bytes: reply of %d bytes, want %d", n, len(got), n+3)
		}
		if st, err := h.deliver(t, 0, 0, 0, "ask", []byte("target|"+payload)); err != nil || st != 0 {
			t.Fatalf("ask %d bytes: %d, %v", n, st, err)
		}
		if got := h.published[len(h.published)-1].data; got != "r:"+payload {
			t.Fatalf("ask %d bytes: published %d bytes, want %d", n, len(got), n+2)
		}
	}
}

func TestParticipantTrap(t *testing.T) {
	h := startGuest(t, gobuildtest.Build(t, guests[0].dir), &fakeHost{})
	_, err := h.deliver(t, 0, 0, 0, "trap", nil)
	if err == nil {
		t.Fatal("kind trap returned normally; want a trap")
	}
	if !strings.Contains(h.stderr.String(), "trap requested") {
		t.Errorf("stderr %q does not show the panic", h.stderr.String())
	}
}

func wantSent(want ...sent) func(*testing.T, *fakeHost) {
	return func(t *testing.T, h *fakeHost) {
		t.Helper()
		if !slices.Equal(h.sent, want) {
			t.Errorf("sent %v, want %v", h.sent, want)
		}
	}
}

func wantPublished(want ...sent) func(*testing.T, *fakeHost) {
	return func(t *testing.T, h *fakeHost) {
		t.Helper()
		if !slices.Equal(h.published, want) {
			t.Errorf("published %.200v, want %.200v", h.published, want)
		}
	}
}

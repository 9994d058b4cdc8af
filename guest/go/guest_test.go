package guest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	guest "github.com/wasmplane/wasmplane/guest/go"
)

func TestPID(t *testing.T) {
	tests := []struct {
		pid               guest.PID
		node              uint16
		index, generation uint32
		str               string
	}{
		{0, 0, 0, 0, "<0.0.0>"},
		{1<<24 | 1, 0, 1, 1, "<0.1.1>"},
		{0xFFFF_FFFFFF_FFFFFF, 0xFFFF, 0xFFFFFF, 0xFFFFFF, "<65535.16777215.16777215>"},
		{2<<48 | 5<<24 | 3, 2, 5, 3, "<2.5.3>"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if tt.pid.Node() != tt.node || tt.pid.Index() != tt.index || tt.pid.Generation() != tt.generation {
				t.Errorf("%#x: node %d index %d generation %d; want %d %d %d", uint64(tt.pid),
					tt.pid.Node(), tt.pid.Index(), tt.pid.Generation(), tt.node, tt.index, tt.generation)
			}
			if got := tt.pid.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	err := fmt.Errorf("relay: %w", &guest.Error{Op: "send", Code: -4})
	if !errors.Is(err, guest.ErrDeadPID) {
		t.Error("errors.Is(send -4, ErrDeadPID) = false")
	}
	if errors.Is(err, guest.ErrTimeout) {
		t.Error("errors.Is(send -4, ErrTimeout) = true")
	}
	if !errors.Is(err, &guest.Error{Op: "send", Code: -4}) || errors.Is(err, &guest.Error{Op: "request", Code: -4}) {
		t.Error("an *Error with Op must match only the same Op")
	}
	sentinels := []*guest.Error{guest.ErrBadPointer, guest.ErrInvalidArgument, guest.ErrNotFound,
		guest.ErrDeadPID, guest.ErrMailboxFull, guest.ErrTimeout, guest.ErrTooLarge,
		guest.ErrBufferTooSmall, guest.ErrStopping, guest.ErrRemote, guest.ErrDeadlock, guest.ErrType, guest.ErrContention}
	for i, s := range sentinels {
		if s.Code != int32(-1-i) {
			t.Errorf("sentinel %v has code %d, want %d", s, s.Code, -1-i)
		}
	}
	if got := (&guest.Error{Op: "x", Code: -99}).Error(); got != "wasmplane: x: unknown status -99" {
		t.Errorf("Error() = %q", got)
	}
}

// Outside wasip1 every host call reports ErrNotGuest.
func TestNotGuest(t *testing.T) {
	calls := map[string]error{
		"Send":        guest.Send(1, "k", nil),
		"Reply":       guest.Reply(guest.Message{Corr: 1}, nil),
		"Publish":     guest.Publish("t", nil),
		"Subscribe":   guest.Subscribe("t"),
		"Unsubscribe": guest.Unsubscribe("t"),
	}
	_, calls["Request"] = guest.Request(1, "k", nil, time.Second)
	_, calls["Call"] = guest.Call(1, "calc.add", nil, time.Second)
	calls["Progress"] = guest.Progress()
	_, calls["Lookup"] = guest.Lookup("n")
	_, calls["ShmRead"] = guest.ShmRead("r", 0, nil)
	_, calls["ShmWrite"] = guest.ShmWrite("r", 0, nil)
	_, calls["RingPush"] = guest.RingPush("r", nil, 0)
	_, calls["RingPop"] = guest.RingPop("r", nil, 0)
	_, calls["TBPublish"] = guest.TBPublish("r", nil)
	_, _, calls["TBAcquire"] = guest.TBAcquire("r", nil)
	for name, err := range calls {
		if !errors.Is(err, guest.ErrNotGuest) {
			t.Errorf("%s = %v, want ErrNotGuest", name, err)
		}
	}
	if guest.Self() != 0 || guest.Now() != 0 {
		t.Error("Self and Now must be zero outside a guest")
	}
	guest.Info("logged through slog.Default")
}

func ExamplePID() {
	p := guest.PID(2<<48 | 5<<24 | 3)
	fmt.Println(p, p.Node(), p.Index(), p.Generation())
	// Output: <2.5.3> 2 5 3
}

func ExampleError() {
	// What a failed Send to a restarted component returns.
	var err error = &guest.Error{Op: "send", Code: -4}
	fmt.Println(err)
	fmt.Println(errors.Is(err, guest.ErrDeadPID))
	if e, ok := errors.AsType[*guest.Error](err); ok {
		fmt.Println(e.Code)
	}
	// Output:
	// wasmplane: send: dead pid (ERR_DEAD_PID -4)
	// true
	// -4
}

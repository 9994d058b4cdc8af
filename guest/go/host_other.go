//go:build !wasip1

package guest

import (
	"context"
	"log/slog"
	"time"
)

// Outside a wasip1 guest there is no host: calls fail with ErrNotGuest so
// that code using the SDK still builds, vets and unit-tests natively.

func sysSend(PID, string, []byte) error { return ErrNotGuest }

func sysRequest(PID, string, []byte, int32) ([]byte, error) { return nil, ErrNotGuest }

func sysCall(PID, string, []byte, int32) ([]byte, error) { return nil, ErrNotGuest }

func sysProgress() error { return ErrNotGuest }

func sysReply(uint64, []byte) error { return ErrNotGuest }

func sysPublish(string, []byte) error { return ErrNotGuest }

func sysSubscribe(string) error { return ErrNotGuest }

func sysUnsubscribe(string) error { return ErrNotGuest }

func sysLookup(string) (PID, error) { return 0, ErrNotGuest }

func sysSelf() PID { return 0 }

func sysNow() time.Duration { return 0 }

func sysLog(level Level, msg string) {
	// Level i maps to slog's -4, 0, 4, 8.
	slog.Default().Log(context.Background(), slog.Level(4*(int(level)-1)), msg, "sdk", "wasmplane/guest")
}

func sysShmCopy(string, string, uint32, []byte) (int, error) { return 0, ErrNotGuest }

func sysRing(string, string, []byte, int32) (int, error) { return 0, ErrNotGuest }

func sysTBPublish(string, []byte) (uint64, error) { return 0, ErrNotGuest }

func sysTBAcquire(string, []byte) (int, uint64, error) { return 0, 0, ErrNotGuest }

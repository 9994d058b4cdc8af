package frame

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeTime is a settable time source. Safe for concurrent use.
type fakeTime struct {
	mu sync.Mutex
	t  time.Duration
}

func (f *fakeTime) Now() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeTime) Set(t time.Duration) {
	f.mu.Lock()
	f.t = t
	f.mu.Unlock()
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	f.t += d
	f.mu.Unlock()
}

// sleeper returns a Sleep that advances f by d plus over(call), recording
// each request, and never blocks.
func (f *fakeTime) sleeper(over func(call int) time.Duration, asked *[]time.Duration) func(context.Context, time.Duration) error {
	call := 0
	return func(ctx context.Context, d time.Duration) error {
		if asked != nil {
			*asked = append(*asked, d)
		}
		var o time.Duration
		if over != nil {
			o = over(call)
		}
		call++
		f.Advance(d + o)
		return nil
	}
}

func newClock(t testing.TB, cfg Config) *Clock {
	t.Helper()
	c, err := NewClock(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func checkStage(t *testing.T, got, want Stage) {
	t.Helper()
	if got != want {
		t.Errorf("stage %s:\n got %+v\nwant %+v", want.Name, got, want)
	}
}

const ms1 = time.Millisecond

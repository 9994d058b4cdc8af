package engine

import (
	"context"
	"sync"
	"testing"
)

// TestHammerInstances instantiates, delivers to and closes instances of two
// modules from several goroutines at once: the memory pool, the compiled
// modules and the host module are shared. Run with -race.
func TestHammerInstances(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	mods := []*Module{}
	for _, f := range []string{"testdata/wat/minimal.wasm", "testdata/c/participant.wasm"} {
		m, err := e.Compile(ctx, f, readWasm(t, f), KindGuest)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, m)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				m := mods[(g+i)%len(mods)]
				inst, err := m.Instantiate(ctx, InstanceConfig{Host: &fakeHost{}, MemoryLimitPages: 8})
				if err != nil {
					t.Error(err)
					return
				}
				mem := inst.Memory()
				if b, ok := mem.Read(0, mem.Size()); ok {
					for j := 1024; j < len(b) && j < 1024+64; j++ {
						if b[j] != 0 && m.Name() == "testdata/wat/minimal.wasm" {
							t.Errorf("pooled memory not zeroed at %d", j)
							break
						}
					}
				}
				if st, err := inst.Deliver(1, 1, 1, "echo", make([]byte, i*100)); err != nil || st != 0 {
					t.Errorf("deliver: %d %v", st, err)
				}
				// Dirty the buffer so a pool that forgets to clear is caught.
				if b, ok := mem.Read(1024, 64); ok {
					for j := range b {
						b[j] = 0xAB
					}
				}
				inst.Close(ctx)
			}
		}()
	}
	wg.Wait()
}

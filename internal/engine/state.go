package engine

import (
	"errors"
	"fmt"
)

// ErrNoExport is returned when an optional export is absent.
var ErrNoExport = errors.New("module does not export it")

// SaveState calls wasmplane_state_save and copies the bytes it points to
// (pointer in the high 32 bits of the result, length in the low 32).
func (inst *Instance) SaveState() ([]byte, error) {
	fn := inst.mod.ExportedFunction(ExportStateSave)
	if fn == nil {
		return nil, fmt.Errorf("module %q: %s: %w", inst.m.name, ExportStateSave, ErrNoExport)
	}
	s := inst.stack[:]
	if err := inst.call(fn, ExportStateSave, s); err != nil {
		return nil, err
	}
	ptr, n := uint32(s[0]>>32), uint32(s[0])
	b, ok := inst.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("module %q: %s returned %d+%d, outside memory of %d bytes",
			inst.m.name, ExportStateSave, ptr, n, inst.mod.Memory().Size())
	}
	return append([]byte(nil), b...), nil
}

// LoadState passes state to wasmplane_state_load through the buffer from
// wasmplane_alloc. A non-zero status is an error.
func (inst *Instance) LoadState(state []byte) error {
	fn := inst.mod.ExportedFunction(ExportStateLoad)
	if fn == nil {
		return fmt.Errorf("module %q: %s: %w", inst.m.name, ExportStateLoad, ErrNoExport)
	}
	if uint64(len(state)) > 1<<31 {
		return fmt.Errorf("module %q: state of %d bytes cannot fit a 32-bit memory", inst.m.name, len(state))
	}
	if uint32(len(state)) > inst.bufN {
		if err := inst.grow(uint32(len(state))); err != nil {
			return err
		}
	}
	if len(state) > 0 {
		buf, ok := inst.mod.Memory().Read(inst.buf, uint32(len(state)))
		if !ok {
			return fmt.Errorf("module %q: the buffer from %s is no longer inside memory", inst.m.name, ExportAlloc)
		}
		copy(buf, state)
	}
	s := inst.stack[:]
	s[0], s[1] = uint64(inst.buf), uint64(len(state))
	if err := inst.call(fn, ExportStateLoad, s); err != nil {
		return err
	}
	if st := int32(s[0]); st != 0 {
		return fmt.Errorf("module %q: %s returned status %d", inst.m.name, ExportStateLoad, st)
	}
	return nil
}

// Health calls wasmplane_health; a non-zero status means unhealthy.
func (inst *Instance) Health() error {
	fn := inst.mod.ExportedFunction(ExportHealth)
	if fn == nil {
		return fmt.Errorf("module %q: %s: %w", inst.m.name, ExportHealth, ErrNoExport)
	}
	s := inst.stack[:]
	if err := inst.call(fn, ExportHealth, s); err != nil {
		return err
	}
	if st := int32(s[0]); st != 0 {
		return fmt.Errorf("module %q: unhealthy: %s returned %d", inst.m.name, ExportHealth, st)
	}
	return nil
}

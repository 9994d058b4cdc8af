package preempt

import (
	"errors"
	"math"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// hostMu orders the host's own accesses to flags (Interrupt from a timer
// goroutine, Interrupted from the caller after the call returned). The guest
// reads the flag from machine code the race detector does not see; without
// this lock the two host sides would be an unsynchronised write and read in
// Go's memory model. It is taken only on an interrupt or on an error path.
var hostMu sync.Mutex

func flagOf(mod api.Module) api.MutableGlobal {
	if mod == nil {
		return nil
	}
	g, ok := mod.ExportedGlobal(ExportName).(api.MutableGlobal)
	if !ok || g.Type() != api.ValueTypeI32 {
		return nil
	}
	return g
}

// Interrupt sets the interrupt flag of mod, an instance of a module returned
// by Instrument, and reports whether mod has the flag. The guest traps with
// "unreachable" at its next check (function entry or loop header).
//
// Interrupt is safe to call from any goroutine while the guest runs: the
// export map it reads is immutable after instantiation, and the flag is a
// word in the instance's globals that compiled code loads from memory at
// every check (wazero's compiler does not keep a global in a register
// across a loop back-edge or a call). Interrupt sets it to math.MaxInt32,
// which every check's counter is at most, so the next check takes the slow
// path and traps: the guest stops within the time of one loop iteration or
// call. The guest only reads the flag, so no store of the guest can undo
// the interrupt.
//
// # Notes
//
//   - An interrupted instance must be discarded (closed), not reused: the
//     trap can land between any two loop iterations, leaving linear memory
//     and globals half updated, and the flag stays set.
//   - Time spent in host functions is not interrupted: a host function must
//     honour its context.Context. The guest traps once control is back in
//     Wasm code.
//   - Calling Interrupt on a closed instance, or twice, is harmless.
func Interrupt(mod api.Module) bool {
	g := flagOf(mod)
	if g == nil {
		return false
	}
	hostMu.Lock()
	g.Set(math.MaxInt32)
	hostMu.Unlock()
	return true
}

// Interrupted reports whether Interrupt was called on mod.
func Interrupted(mod api.Module) bool {
	g := flagOf(mod)
	if g == nil {
		return false
	}
	hostMu.Lock()
	v := g.Get()
	hostMu.Unlock()
	return v != 0
}

// IsInterrupt reports whether err, returned by a call into mod, is the trap
// of an interrupt: an "unreachable" trap while mod's flag is set. A guest's
// own trap, an exit (*sys.ExitError) or a host error is not an interrupt
// unless the flag was also set; either way the instance must be discarded.
func IsInterrupt(mod api.Module, err error) bool {
	if err == nil {
		return false
	}
	if exit := (*sys.ExitError)(nil); errors.As(err, &exit) {
		return false
	}
	if !strings.HasPrefix(err.Error(), "wasm error: unreachable") {
		return false
	}
	return Interrupted(mod)
}

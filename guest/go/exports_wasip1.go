//go:build wasip1

package guest

// The wasmplane_* exports. They are defined in this package, so importing it
// is all a main package needs to be a wasmplane guest.

// abiVersion is the guest ABI this SDK implements.
const abiVersion = 1

// maxInbox bounds wasmplane_alloc; a larger request gets 0 (the host
// dead-letters the message) instead of an out-of-memory crash.
const maxInbox = 1 << 30

// inbox is the buffer handed to the host by wasmplane_alloc. The ABI makes it
// host-owned until the next wasmplane_alloc call; the package variable keeps
// it alive that long.
var inbox []byte

//go:wasmexport wasmplane_abi_version
func exportABIVersion() int32 { return abiVersion }

//go:wasmexport wasmplane_alloc
func exportAlloc(size uint32) uint32 {
	if size > maxInbox {
		return 0
	}
	if size > uint32(len(inbox)) || inbox == nil {
		// Grow geometrically so a stream of slightly larger messages does
		// not allocate on every delivery.
		n := max(size, 2*uint32(len(inbox)), 256)
		inbox = make([]byte, min(n, maxInbox))
	}
	return addr(inbox)
}

//go:wasmexport wasmplane_receive
func exportReceive(sender, corr uint64, flags, kindPtr, kindLen, dataPtr, dataLen uint32) int32 {
	kind, ok1 := inboxView(inbox, kindPtr, kindLen)
	data, ok2 := inboxView(inbox, dataPtr, dataLen)
	if !ok1 || !ok2 {
		// The host broke the ABI (bytes outside the wasmplane_alloc
		// buffer). Crash rather than read memory the SDK does not own.
		panic("wasmplane: wasmplane_receive: kind or data outside the wasmplane_alloc buffer")
	}
	if handler == nil {
		return 0
	}
	m := Message{
		Sender:    PID(sender),
		Kind:      string(kind),
		Corr:      corr,
		Data:      data,
		Published: flags&flagPublished != 0,
	}
	if flags&flagRequest == 0 {
		m.Corr = 0
	}
	// No recover: a panic must crash the instance so the host restarts it.
	if err := handler(m); err != nil {
		Log(LevelError, "handler: kind "+m.Kind+": "+err.Error())
		return 1
	}
	return 0
}

//go:wasmexport wasmplane_pre_start
func exportPreStart() int32 { return runHook("pre_start", preStart) }

//go:wasmexport wasmplane_post_start
func exportPostStart() int32 { return runHook("post_start", postStart) }

//go:wasmexport wasmplane_pre_stop
func exportPreStop() int32 { return runHook("pre_stop", preStop) }

//go:wasmexport wasmplane_post_stop
func exportPostStop() int32 { return runHook("post_stop", postStop) }

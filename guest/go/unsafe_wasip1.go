//go:build wasip1

package guest

import "unsafe"

// All of the SDK's unsafe code is in this file.
//
// Passing a Go pointer to a wasmimport function is sound: the Go garbage
// collector does not move heap objects, the pointer argument keeps the object
// alive for the call, goroutine stacks cannot move while a host call runs
// (no Go code runs meanwhile), and the ABI says the host keeps no pointer
// into guest memory after the call returns.

// strPtr returns s's bytes for a host call. The host only reads them.
func strPtr(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}

// bytesPtr returns b's bytes for a host call.
func bytesPtr(b []byte) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b))
}

// addr returns the linear-memory address of b's first byte. Linear memory
// addresses are 32-bit on wasm, so the conversion does not truncate.
func addr(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// inboxView returns the bytes at [ptr, ptr+n) of linear memory as a slice of
// buf, or false if they do not lie inside buf. It never turns an integer from
// the host into a pointer: the result is a reslice of buf, so it is valid
// Go memory whatever the host passed.
func inboxView(buf []byte, ptr, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	base := uint64(addr(buf))
	off := uint64(ptr) - base
	if uint64(ptr) < base || off+uint64(n) > uint64(len(buf)) {
		return nil, false
	}
	return buf[off : off+uint64(n)], true
}

// unsafePtr returns the address of an out-parameter the host writes a u32 to.
func unsafePtr(p *uint32) unsafe.Pointer { return unsafe.Pointer(p) }

// unsafePtr64 returns the address of an out-parameter the host writes an i64
// to. Go aligns uint64 to 8 bytes; the ABI requires no alignment.
func unsafePtr64(p *uint64) unsafe.Pointer { return unsafe.Pointer(p) }

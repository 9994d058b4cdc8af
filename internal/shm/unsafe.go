package shm

// All of this package's unsafe code is in this file.
//
// The host runs sync/atomic operations on words inside a []byte that is a
// wasm linear memory. That is sound because:
//
//  1. Go's garbage collector does not move heap objects, so a pointer into
//     the slice's backing array stays valid while the slice is reachable
//     (wazero itself relies on this for shared memories; see the comment
//     in wazero's internal/wasm/memory.go, NewMemoryInstance). The *Uint32
//     returned here keeps the backing array alive like any interior
//     pointer does.
//  2. The address is aligned: Open checks that the backing array starts on
//     an 8-byte boundary, and every offset passed here is a multiple of 4
//     (8 for 64-bit words), checked when the layout was computed or by
//     checkWord. Unaligned atomics would fault on some platforms and are
//     never atomic across cache lines.
//  3. The bounds are checked: mem[off:off+4] (or +8) is sliced first, so a
//     bad offset panics with an index error instead of touching memory
//     outside the slice. Callers validate offsets beforehand so that
//     panic is never reached with guest-controlled values.
//  4. wasm atomics are sequentially consistent, as are Go's sync/atomic
//     operations. wazero's compiler (the default on amd64 and arm64) lowers
//     guest atomics to hardware atomic instructions (lock cmpxchg, lock
//     xadd, xchg on amd64), so host and guest operations on one word are
//     atomic with respect to each other. wazero's interpreter does NOT: it
//     emulates guest atomics with plain loads and stores under a Go mutex
//     the host cannot take (see doc.go, # Caveats).

import (
	"sync/atomic"
	"unsafe"
)

// word32 returns the 32-bit atomic word at mem[off:off+4].
// off must be a multiple of 4; the base of mem must be 8-aligned.
func word32(mem []byte, off uint32) *atomic.Uint32 {
	_ = mem[off : off+4] // bounds check without reading (a read would race)
	return (*atomic.Uint32)(unsafe.Pointer(&mem[off]))
}

// word64 returns the 64-bit atomic word at mem[off:off+8].
// off must be a multiple of 8; the base of mem must be 8-aligned.
func word64(mem []byte, off uint32) *atomic.Uint64 {
	_ = mem[off : off+8]
	return (*atomic.Uint64)(unsafe.Pointer(&mem[off]))
}

// baseAligned reports whether the slice's backing array starts on an
// 8-byte boundary (always true for wazero memories: they are large
// allocations, page-aligned by the Go allocator).
func baseAligned(mem []byte) bool {
	return len(mem) > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(mem)))%8 == 0
}

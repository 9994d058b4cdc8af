package boundary

import (
	"sync/atomic"
	"unsafe"
)

// The wait-for graph's frames keep plain fields (the pointers node, to
// and prev here, the state word through frame.load and its siblings) so
// that Wait builds a new frame in one composite literal: an atomic store
// of a pointer costs a call and a write barrier, and these made Wait a
// third slower. Walkers on other goroutines read the fields atomically,
// through the functions below, because WaitInto rewrites a reused frame
// while a walker that loaded it earlier may still read it.
//
// Sound because *T and unsafe.Pointer have the same size and alignment
// and the garbage collector sees a pointer field either way (the
// sync/atomic pointer functions apply the write barrier). A plain access
// happens only to a frame no other goroutine can reach yet: the literal,
// before the push that publishes it.

func loadNode(p **Node) *Node {
	return (*Node)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(p))))
}

func storeNode(p **Node, n *Node) {
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(p)), unsafe.Pointer(n))
}

func loadFrame(p **frame) *frame {
	return (*frame)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(p))))
}

func storeFrame(p **frame, f *frame) {
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(p)), unsafe.Pointer(f))
}

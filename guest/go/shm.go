package guest

import "time"

// Shared regions through copies. Go's wasm port has no threads, so a Go
// guest cannot import a shared memory; it reaches the app's regions
// (docs/shm.md) through host imports that run the region's protocol on
// its behalf and copy one way (docs/abi.md, "Shared regions"). A region
// is named by its manifest name (1–31 bytes). Every buffer is copied
// before the call returns and may be reused at once.
//
// Errors common to all of them: [ErrNotFound] if the component runs
// without a shared memory or no region has that name,
// [ErrInvalidArgument] for a region of the wrong kind, an empty or
// over-long name, or an offset or length outside the region,
// [ErrStopping] when a wait ends at the call's deadline or a kill.

// ShmRead copies len(dst) bytes at offset off of a raw or mutex region
// into dst and returns len(dst). For a mutex region the host holds the
// region's lock during the copy, so the bytes are those of one critical
// section.
//
// # Errors
//
// The common ones, and [ErrTimeout] if a mutex region's lock was not
// free within 5 s.
func ShmRead(region string, off uint32, dst []byte) (int, error) {
	return sysShmCopy("shm_read", region, off, dst)
}

// ShmWrite copies src to offset off of a raw or mutex region and returns
// len(src); for a mutex region under its lock, as [ShmRead].
func ShmWrite(region string, off uint32, src []byte) (int, error) {
	return sysShmCopy("shm_write", region, off, src)
}

// RingPush pushes entries, a whole number of the ring's entry size,
// into an SPSC or MPSC ring region and returns how many entries it
// pushed. While the ring is full it waits up to timeout for room
// (rounded up to whole milliseconds; ≤ 0: not at all); fewer than all
// means the ring stayed full. On an MPSC ring several producers may
// push at once; each push of k entries is k separate entries, not one
// atomic batch.
//
// # Errors
//
// The common ones; [ErrInvalidArgument] also if len(entries) is not a
// multiple of the entry size.
func RingPush(region string, entries []byte, timeout time.Duration) (int, error) {
	return sysRing("ring_push", region, entries, timeoutMS(timeout))
}

// RingPop pops up to len(dst) / entry size entries of a ring region into
// dst and returns how many it popped. It waits up to timeout for the
// first one (≤ 0: not at all); 0 entries and a nil error means the ring
// stayed empty. Only the ring's one consumer may pop.
func RingPop(region string, dst []byte, timeout time.Duration) (int, error) {
	return sysRing("ring_pop", region, dst, timeoutMS(timeout))
}

// TBPublish copies frame into a triple buffer region's back slot and
// publishes it; it returns the frame's generation (1, 2, … for the
// region's one writer). The reader sees either the whole frame or an
// earlier one, never a mix.
//
// # Errors
//
// The common ones, and [ErrTooLarge] if frame exceeds the region's
// frame size.
func TBPublish(region string, frame []byte) (gen uint64, err error) {
	return sysTBPublish(region, frame)
}

// TBAcquire copies the latest frame of a triple buffer region into dst;
// it returns the frame's length and generation. Generation 0 (and n = 0)
// means nothing has been published yet; the same generation as last
// time means no new frame.
//
// # Errors
//
// The common ones, and [ErrBufferTooSmall] (with the frame's
// generation; nothing copied) if the frame does not fit dst.
func TBAcquire(region string, dst []byte) (n int, gen uint64, err error) {
	return sysTBAcquire(region, dst)
}

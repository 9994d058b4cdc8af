package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmplane/wasmplane/internal/shm"
)

// The shm_* host imports give guests that cannot share memory (Go's wasm
// port has no threads) the same regions through copies: same layout, same
// protocol, run by the host on the guest's behalf. They are additions to
// ABI v1 (docs/abi.md, "Shared regions"). Every guest pointer is checked
// with view before anything is read, written or published; a region is
// named by its bytes and looked up in the instance's SharedMemory.
var shmFuncs = []hostFunc{
	{"shm_read", signature{[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"name_ptr", "name_len", "off", "dst_ptr", "len"}, hostShmRead},
	{"shm_write", signature{[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"name_ptr", "name_len", "off", "src_ptr", "len"}, hostShmWrite},
	{"ring_push", signature{[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"name_ptr", "name_len", "src_ptr", "len", "timeout_ms"}, hostRingPush},
	{"ring_pop", signature{[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"name_ptr", "name_len", "dst_ptr", "cap", "timeout_ms"}, hostRingPop},
	{"tb_publish", signature{[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i64}},
		[]string{"name_ptr", "name_len", "src_ptr", "len"}, hostTBPublish},
	{"tb_acquire", signature{[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"name_ptr", "name_len", "dst_ptr", "cap", "gen_ptr"}, hostTBAcquire},
}

// SharedFunctions lists the names of the shared-region host imports, an
// addition to ABI v1.
func SharedFunctions() []string {
	n := make([]string, len(shmFuncs))
	for i, f := range shmFuncs {
		n[i] = f.name
	}
	return n
}

// shmMutexTimeout bounds how long shm_read/shm_write wait for a mutex
// region's lock.
const shmMutexTimeout = DefaultGuestRequestTimeout

// sharedOf returns the calling instance and its shared memory, with the
// status to return when there is none.
func sharedOf(ctx context.Context) (*Instance, *SharedMemory, Status) {
	inst, _ := ctx.Value(instanceKey{}).(*Instance)
	if inst == nil {
		return nil, nil, ErrStopping
	}
	if inst.shared == nil || inst.shared.mem == nil {
		return inst, nil, ErrNotFound
	}
	return inst, inst.shared, OK
}

// regionArg reads a region name argument and finds the region.
func regionArg(mod api.Module, sm *SharedMemory, ptr, n uint64) (*shm.Region, Status) {
	if uint32(n) == 0 || uint32(n) > shm.NameMax {
		if _, ok := view(mod, ptr, n); !ok {
			return nil, ErrBadPointer
		}
		return nil, ErrInvalidArg
	}
	name, ok := view(mod, ptr, n)
	if !ok {
		return nil, ErrBadPointer
	}
	r, found := sm.layout.Region(string(name))
	if !found {
		return nil, ErrNotFound
	}
	return r, OK
}

// waitFor is the context of a blocking shm call: the call's own timeout,
// within the running call's deadline and the instance's kill.
func (inst *Instance) waitFor(timeoutMS int32) (context.Context, context.CancelFunc) {
	base, cancel := inst.waitContext()
	ctx, c2 := context.WithTimeout(base, time.Duration(timeoutMS)*time.Millisecond)
	return ctx, func() { c2(); cancel() }
}

// block returns the raw bytes [off, off+n) of a raw or mutex region, and
// its mutex for the latter.
func (sm *SharedMemory) block(r *shm.Region, off, n uint32) ([]byte, *shm.SharedMutex, Status) {
	if r.Kind != shm.Raw && r.Kind != shm.Mutex {
		return nil, nil, ErrInvalidArg
	}
	if shm.Range(uint64(r.Bytes), uint64(off), uint64(n), 1) != nil {
		return nil, nil, ErrInvalidArg
	}
	b, _ := sm.mem.Raw(r.Name)
	var mu *shm.SharedMutex
	if r.Kind == shm.Mutex {
		mu, _ = sm.mem.Mutex(r.Name)
	}
	return b[off : off+n], mu, OK
}

func hostShmRead(ctx context.Context, mod api.Module, stack []uint64) {
	shmCopy(ctx, mod, stack, false)
}

func hostShmWrite(ctx context.Context, mod api.Module, stack []uint64) {
	shmCopy(ctx, mod, stack, true)
}

// shmCopy copies between guest memory and a raw or mutex region; for a
// mutex region it holds the region's lock during the copy.
func shmCopy(ctx context.Context, mod api.Module, stack []uint64, write bool) {
	_, sm, st := sharedOf(ctx)
	if st != OK {
		ret(stack, st)
		return
	}
	buf, ok := view(mod, stack[3], stack[4])
	if !ok {
		ret(stack, ErrBadPointer)
		return
	}
	r, st := regionArg(mod, sm, stack[0], stack[1])
	if st != OK {
		ret(stack, st)
		return
	}
	blk, mu, st := sm.block(r, uint32(stack[2]), uint32(stack[4]))
	if st != OK {
		ret(stack, st)
		return
	}
	if mu != nil {
		if err := mu.LockTimeout(shmMutexTimeout); err != nil {
			ret(stack, shmStatus(err))
			return
		}
	}
	if write {
		copy(blk, buf)
	} else {
		copy(buf, blk)
	}
	if mu != nil {
		if err := mu.Unlock(); err != nil {
			ret(stack, shmStatus(err))
			return
		}
	}
	ret(stack, OK)
}

func hostRingPush(ctx context.Context, mod api.Module, stack []uint64) {
	ringCall(ctx, mod, stack, true)
}

func hostRingPop(ctx context.Context, mod api.Module, stack []uint64) {
	ringCall(ctx, mod, stack, false)
}

// ringCall pushes whole entries from, or pops them into, a guest buffer.
// It returns the number of entries moved, waiting up to timeout_ms (0: not
// at all) for room or data.
func ringCall(ctx context.Context, mod api.Module, stack []uint64, push bool) {
	inst, sm, st := sharedOf(ctx)
	if st != OK {
		ret(stack, st)
		return
	}
	buf, ok := view(mod, stack[2], stack[3])
	if !ok {
		ret(stack, ErrBadPointer)
		return
	}
	r, st := regionArg(mod, sm, stack[0], stack[1])
	if st != OK {
		ret(stack, st)
		return
	}
	ring := sm.rings[r.Name]
	timeoutMS := int32(stack[4])
	if ring == nil || timeoutMS < 0 {
		ret(stack, ErrInvalidArg)
		return
	}
	es := ring.EntrySize()
	if push && len(buf)%es != 0 {
		ret(stack, ErrInvalidArg)
		return
	}
	buf = buf[:len(buf)-len(buf)%es]
	if len(buf) == 0 {
		ret(stack, OK)
		return
	}
	var n int
	var err error
	switch {
	case timeoutMS == 0 && push:
		n, err = ring.TryPush(buf)
	case timeoutMS == 0:
		n, err = ring.TryPop(buf)
	default:
		wctx, cancel := inst.waitFor(timeoutMS)
		if push {
			n, err = ring.Push(wctx, buf)
		} else {
			n, err = ring.Pop(wctx, buf)
		}
		cancel()
	}
	if err != nil && n == 0 && !errors.Is(err, shm.ErrFull) && !errors.Is(err, shm.ErrEmpty) {
		ret(stack, shmStatus(err))
		return
	}
	if err != nil && inst.killed.Load() {
		ret(stack, ErrStopping)
		return
	}
	ret(stack, Status(n))
}

// hostTBPublish copies a frame into a triple buffer's back slot and
// publishes it; it returns the generation, or a negative status.
func hostTBPublish(ctx context.Context, mod api.Module, stack []uint64) {
	_, sm, st := sharedOf(ctx)
	if st != OK {
		ret64(stack, st)
		return
	}
	src, ok := view(mod, stack[2], stack[3])
	if !ok {
		ret64(stack, ErrBadPointer)
		return
	}
	r, st := regionArg(mod, sm, stack[0], stack[1])
	if st != OK {
		ret64(stack, st)
		return
	}
	tb := sm.triples[r.Name]
	if tb == nil {
		ret64(stack, ErrInvalidArg)
		return
	}
	if uint64(len(src)) > uint64(r.SlotSize) {
		ret64(stack, ErrTooLarge)
		return
	}
	back, err := tb.Back()
	if err == nil {
		copy(back, src)
		var gen uint64
		if gen, err = tb.Publish(len(src)); err == nil {
			stack[0] = gen
			return
		}
	}
	ret64(stack, shmStatus(err))
}

// hostTBAcquire acquires the latest frame of a triple buffer and copies
// it to the guest; it writes the frame's generation (u64, 0: none yet)
// at gen_ptr and returns the frame's length, or a negative status.
func hostTBAcquire(ctx context.Context, mod api.Module, stack []uint64) {
	_, sm, st := sharedOf(ctx)
	if st != OK {
		ret(stack, st)
		return
	}
	dst, ok1 := view(mod, stack[2], stack[3])
	genBuf, ok2 := view(mod, stack[4], 8)
	if !ok1 || !ok2 {
		ret(stack, ErrBadPointer)
		return
	}
	r, st := regionArg(mod, sm, stack[0], stack[1])
	if st != OK {
		ret(stack, st)
		return
	}
	tb := sm.triples[r.Name]
	if tb == nil {
		ret(stack, ErrInvalidArg)
		return
	}
	f, err := tb.Acquire()
	if err != nil {
		ret(stack, shmStatus(err))
		return
	}
	binary.LittleEndian.PutUint64(genBuf, f.Gen)
	if len(f.Data) > len(dst) {
		ret(stack, ErrBufferTooSmall)
		return
	}
	copy(dst, f.Data)
	ret(stack, Status(len(f.Data)))
}

// shmStatus maps an internal/shm error to a status.
func shmStatus(err error) Status {
	switch {
	case errors.Is(err, shm.ErrTimeout):
		return ErrTimeout
	case errors.Is(err, shm.ErrTooLarge):
		return ErrTooLarge
	case errors.Is(err, shm.ErrNotFound):
		return ErrNotFound
	}
	return ErrInvalidArg // ErrCorrupt and the rest: the guest's arguments or a broken protocol
}

func ret64(stack []uint64, s Status) { stack[0] = api.EncodeI64(int64(s)) }

// Package shm lays out one wasm linear memory shared by guest instances
// and the host, and implements the primitives that live in it: triple
// buffers, SPSC and MPSC rings, a futex-style mutex, RCU state and slot
// tables with generational handles. The host (this package) and C guests
// (guest/c/wasmplane_shm.h) use the same bytes and the same protocol.
//
// # Basics
//
// Compute validates region declarations and places them: the metadata
// block at Config.Base, each region on a 64-byte boundary after it, then
// one stack+heap partition per guest instance. Open wraps the memory's
// bytes; Init writes the metadata block once, before guests run.
//
// All words are little-endian; offsets are absolute unless noted.
//
//	header at Base (64 bytes)
//	  +0  u32 magic 0x4D535057 ("WPSM")   +4  u32 version (1)
//	  +8  u32 region count                +12 u32 instance count
//	  +16 u32 descriptor 0, from Base     +20 u32 partition 0, from Base
//	  +24 u64 end of layout               +32 u32 Base
//	  +36 u32 metadata block size
//	descriptor i at Base+64+256·i (four cache lines)
//	  +0  u32 kind  +4 u32 payload offset  +8 u32 payload bytes
//	  +12 u32 slot size  +16 u32 slots  +20 u32 stride  +32 name[32]
//	  +64  line 1: writer/producer words (A, A2 at +68, A64 at +72)
//	  +128 line 2: reader/consumer word (B)
//	  +192 line 3: waiter counts (C, D at +196)
//	partition j at Base+64+256·count+16·j
//	  +0 u32 stack lo  +4 u32 stack hi (initial __stack_pointer)
//	  +8 u32 heap lo   +12 u32 heap hi
//
// Per kind (words in the descriptor; slots in the payload):
//
//	kind           A                   A2/A64               B       C / D
//	triple_buffer  state (CAS)         A64 last generation  -       readers waiting
//	spsc_ring      tail                -                    head    data / space waiters
//	mpsc_ring      tail (reserve CAS)  A2 commits           head    data / space waiters
//	mutex          lock word 0/1/2     -                    -       -
//	rcu            current idx|seq<<8  A2 writer lock,      -       writers waiting
//	                                   A64 last version
//	slots          alloc hint          -                    live    -
//
//	triple_buffer slot: u64 generation, u32 length, pad to 64, frame
//	spsc_ring slot:     entry (stride = slot size rounded up to 8)
//	mpsc_ring slot:     u32 seq, pad to 8, entry
//	rcu version:        u32 readers, u64 version at +8, u32 length at +16,
//	                    pad to 64, value
//	slots payload:      u32 generation per slot (padded to 64), then slots
//
// Who may call what: a triple buffer has one writer (Back, Publish) and
// one reader (Acquire, AcquireNext), each of which may be the host or a
// guest; the writer never blocks and the reader never sees a torn frame.
// An SPSC ring has one producer and one consumer; an MPSC ring any number
// of producers. A full ring is an error (TryPush) or a bounded wait
// (Push with a context): never growth. SharedMutex, RCU readers and
// writers, and slot tables may be used by anyone. Every value read from
// shared memory is untrusted: offsets come from the host's own Layout,
// never from the bytes, and impossible state words are ErrCorrupt, never a
// panic or an out-of-bounds access. Guest pointers go through Range/View.
//
// Waiting: guests use memory.atomic.wait32/notify. wazero exports no host
// API for its wait queues (they are internal to its memory instance), so
// NewWasmWaiter instantiates a tiny helper module that imports the same
// shared memory and runs those instructions for the host: host and guests
// then wake one another. SpinWaiter works on any []byte but polls and
// wakes nobody; with it guests must wait with finite timeouts. Each
// primitive bumps a waiter count before waiting, so the side that makes
// progress calls Notify only when someone may be waiting.
//
// # Caveats
//
// Validity of views. Every []byte this package returns is a view into the
// memory. A shared memory in wazero never moves: it is allocated at its
// maximum size up front (internal/wasm/memory.go, NewMemoryInstance:
// "Shared memory needs a fixed buffer, so allocate with the maximum
// size"), and MemoryInstance.Grow panics if a custom allocator moves one
// ("shared memory cannot move"). So host views stay valid for the life of
// the memory, even after memory.grow; bytes past the length read at Open
// become visible by calling api.Memory.Read again. Open insists the layout
// fits in the memory's current size, so no region ever lies beyond a view.
// A view of a frame or snapshot is also bound by its protocol: Frame.Data
// until the next Acquire, Snapshot.Data until Release, ring entries are
// copied.
//
// Interpreter. wazero's interpreter emulates guest atomics with plain
// loads and stores under a mutex the host cannot take, so host atomics do
// not exclude guest ones there. Use the compiler (the default on amd64
// and arm64).
//
// Long guest loops. A goroutine inside compiled wasm code is not
// preempted by the Go scheduler. In the cross-side test a guest writing
// 100,000 frames without ever returning to Go let the host reader see
// from 1 to 3,791 of them depending on the run (more with GOGC=off): the
// host stalls, never tears. Guests that loop for long should block in
// wait32 or return between batches.
//
// Crashed holders. A guest that traps while holding a SharedMutex or an
// RCU snapshot leaves it held: LockTimeout/Begin(ctx) bound the wait, and
// an RCU region with more versions keeps writers going. Handles detect
// staleness, not ownership: Free a handle only when no one else uses it.
// A slot whose generation would wrap is retired, so no handle is revived.
//
// # Costs
//
// Measured on the 2-core dev machine (Go 1.26, wazero v1.12; medians of
// go test -run '^$' -bench . -count 6; ns per op, for rings per 16-byte
// entry moved between two goroutines). Runs on this shared machine vary
// by up to 2×; compare within one run.
//
//	triple buffer Publish+Acquire (no copy; 64 B / 4 KiB)  ~64 / ~52 ns
//	SPSC ring, batch 1 / batch 32                          ~38 / ~19 ns
//	  Go channel of [16]byte, same shape                   ~79 ns (ring 2.1× / 4.2× faster)
//	SPSC ring, batch 1, WasmWaiter                         ~75 ns
//	MPSC ring, 2 producers, batch 1 / batch 32             ~87 / ~25 ns
//	  Go channel, 2 producers                              ~52 ns (ring 0.6× / 2.1×)
//	SharedMutex Lock+Unlock, uncontended                   ~7.4 ns (sync.Mutex ~8.6)
//	RCU Read+Release / Begin+Commit                        ~45 / ~137 ns
//	slot table Get / Alloc+Free                            ~16 / ~47 ns
//	WasmWaiter Notify, nobody waiting                      ~195 ns (SpinWaiter: 3 ns, wakes nobody)
//	host↔host wake round trip, WasmWaiter / SpinWaiter     ~1.7 µs / ~0.3 µs
//
// Notify is paid only when a waiter count is non-zero, so the fast paths
// above never call into wasm.
//
// See bench_test.go; the lead's docs/shm.md carries the table of record.
package shm

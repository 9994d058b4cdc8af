package shm

// The byte layout shared with guests. guest/c/wasmplane_shm.h defines the
// same values (WP_SHM_*); TestHeaderConstants checks that they agree, and
// doc.go has the table. All words are little-endian; every state word is
// 4-byte aligned (8 for 64-bit words) so both sides can use atomics on it.
const (
	Magic   = 0x4D535057 // "WPSM" as bytes
	Version = 1

	LineSize = 64 // cache line; every region and descriptor starts on one

	// Header, at Layout.Base.
	HdrMagic       = 0  // u32 Magic
	HdrVersion     = 4  // u32 Version
	HdrRegionCount = 8  // u32 number of descriptors
	HdrInstances   = 12 // u32 number of instance partitions
	HdrDescOff     = 16 // u32 offset of descriptor 0, relative to Base
	HdrPartOff     = 20 // u32 offset of partition 0, relative to Base
	HdrEnd         = 24 // u64 absolute end of the layout
	HdrBase        = 32 // u32 absolute offset of the header itself
	HdrMetaSize    = 36 // u32 size of the metadata block
	HdrSize        = 64

	// Region descriptor: four cache lines. Line 0 is written once by the
	// host (Init) and never changes; lines 1-3 hold the state words, the
	// producer's and consumer's on separate lines.
	DescKind     = 0   // u32 Kind
	DescOffset   = 4   // u32 absolute offset of the payload
	DescSize     = 8   // u32 payload bytes (multiple of 64)
	DescSlotSize = 12  // u32 usable bytes per slot/frame/version
	DescSlots    = 16  // u32 slot count (3 for triple buffers)
	DescStride   = 20  // u32 bytes between slots
	DescName     = 32  // [32]byte name, NUL padded
	DescWordA    = 64  // line 1: writer/producer state
	DescWordA2   = 68  // second word on line 1
	DescWordA64  = 72  // u64 on line 1
	DescWordB    = 128 // line 2: reader/consumer state
	DescWordC    = 192 // line 3: waiter counts
	DescWordD    = 196
	DescBytes    = 256
	NameMax      = 31

	// Instance partition entry (16 bytes).
	PartStackLo = 0  // u32 lowest stack byte
	PartStackHi = 4  // u32 initial __stack_pointer (stack grows down)
	PartHeapLo  = 8  // u32 first heap byte
	PartHeapHi  = 12 // u32 end of heap
	PartBytes   = 16

	// Triple buffer: a slot is a 64-byte header then the frame.
	TBState      = DescWordA   // u32 packed state, see triple.go
	TBGen        = DescWordA64 // u64 last published generation
	TBWaiting    = DescWordC   // u32 readers waiting for a fresh frame
	TBSlotGen    = 0           // u64 in the slot header: the frame's generation
	TBSlotLen    = 8           // u32 in the slot header: bytes written
	TBSlotHeader = 64

	// Rings (SPSC and MPSC). Counters run freely modulo 2^32.
	RingTail       = DescWordA  // u32 producers' position (MPSC: reserved)
	RingCommits    = DescWordA2 // u32 MPSC: bumped after each committed batch
	RingHead       = DescWordB  // u32 consumer's position
	RingWaitData   = DescWordC  // u32 consumers waiting for data
	RingWaitSpace  = DescWordD  // u32 producers waiting for space
	MPSCSlotSeq    = 0          // u32 sequence in each MPSC slot
	MPSCSlotHeader = 8

	// Mutex-guarded block.
	MutexWord = DescWordA // u32 0 unlocked, 1 locked, 2 locked+contended

	// RCU: a version is a 64-byte header then the value.
	RCUCurrent     = DescWordA   // u32 index | seq<<8
	RCUWriterLock  = DescWordA2  // u32 mutex serialising writers
	RCUVersion     = DescWordA64 // u64 last published version number
	RCUWaiting     = DescWordC   // u32 writers waiting for a free version
	RCUVerReaders  = 0           // u32 in the version header: readers holding it
	RCUVerNumber   = 8           // u64 in the version header
	RCUVerLen      = 16          // u32 in the version header
	RCUVerHeader   = 64
	RCUMaxVersions = 255

	// Slot table: Slots u32 generations (padded to 64), then the slots.
	SlotsHint = DescWordA // u32 where the next allocation scan starts
	SlotsLive = DescWordB // u32 live slots
)

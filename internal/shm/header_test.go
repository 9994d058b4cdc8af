package shm

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const headerPath = "../../guest/c/wasmplane_shm.h"

// TestHeaderConstants checks that every layout constant of the C header
// has the value the Go code uses.
func TestHeaderConstants(t *testing.T) {
	src, err := os.ReadFile(headerPath)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"MAGIC": Magic, "VERSION": Version, "LINE_SIZE": LineSize,
		"HDR_MAGIC": HdrMagic, "HDR_VERSION": HdrVersion, "HDR_REGION_COUNT": HdrRegionCount,
		"HDR_INSTANCES": HdrInstances, "HDR_DESC_OFF": HdrDescOff, "HDR_PART_OFF": HdrPartOff,
		"HDR_END": HdrEnd, "HDR_BASE": HdrBase, "HDR_META_SIZE": HdrMetaSize, "HDR_SIZE": HdrSize,
		"DESC_KIND": DescKind, "DESC_OFFSET": DescOffset, "DESC_SIZE": DescSize, "DESC_SLOT_SIZE": DescSlotSize,
		"DESC_SLOTS": DescSlots, "DESC_STRIDE": DescStride, "DESC_NAME": DescName,
		"DESC_WORD_A": DescWordA, "DESC_WORD_A2": DescWordA2, "DESC_WORD_A64": DescWordA64,
		"DESC_WORD_B": DescWordB, "DESC_WORD_C": DescWordC, "DESC_WORD_D": DescWordD,
		"DESC_BYTES": DescBytes, "NAME_MAX": NameMax,
		"PART_STACK_LO": PartStackLo, "PART_STACK_HI": PartStackHi, "PART_HEAP_LO": PartHeapLo,
		"PART_HEAP_HI": PartHeapHi, "PART_BYTES": PartBytes,
		"TB_STATE": TBState, "TB_GEN": TBGen, "TB_WAITING": TBWaiting, "TB_SLOT_GEN": TBSlotGen,
		"TB_SLOT_LEN": TBSlotLen, "TB_SLOT_HEADER": TBSlotHeader,
		"RING_TAIL": RingTail, "RING_COMMITS": RingCommits, "RING_HEAD": RingHead,
		"RING_WAIT_DATA": RingWaitData, "RING_WAIT_SPACE": RingWaitSpace,
		"MPSC_SLOT_SEQ": MPSCSlotSeq, "MPSC_SLOT_HEADER": MPSCSlotHeader,
		"MUTEX_WORD":  MutexWord,
		"RCU_CURRENT": RCUCurrent, "RCU_WRITER_LOCK": RCUWriterLock, "RCU_VERSION": RCUVersion,
		"RCU_WAITING": RCUWaiting, "RCU_VER_READERS": RCUVerReaders, "RCU_VER_NUMBER": RCUVerNumber,
		"RCU_VER_LEN": RCUVerLen, "RCU_VER_HEADER": RCUVerHeader, "RCU_MAX_VERSIONS": RCUMaxVersions,
		"SLOTS_HINT": SlotsHint, "SLOTS_LIVE": SlotsLive,
		"KIND_RAW": uint64(Raw), "KIND_TRIPLE_BUFFER": uint64(TripleBuffer), "KIND_SPSC_RING": uint64(SPSCRing),
		"KIND_MPSC_RING": uint64(MPSCRing), "KIND_MUTEX": uint64(Mutex), "KIND_RCU": uint64(RCU), "KIND_SLOTS": uint64(Slots),
		"TB_FRESH": tbFresh, "TB_GEN_SHIFT": tbGenShift, "SLOT_RETIRED": slotRetired,
	}
	defs := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^#define WP_SHM_(\w+) (.+)$`).FindAllStringSubmatch(string(src), -1) {
		defs[m[1]] = strings.TrimSpace(m[2])
	}
	var eval func(string) (uint64, bool)
	eval = func(v string) (uint64, bool) {
		if strings.HasPrefix(v, "WP_SHM_") {
			return eval(defs[strings.TrimPrefix(v, "WP_SHM_")])
		}
		if m := regexp.MustCompile(`^\(1u << (\d+)\)$`).FindStringSubmatch(v); m != nil {
			s, _ := strconv.Atoi(m[1])
			return 1 << s, true
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(v, "u"), 0, 64)
		return n, err == nil
	}
	for name, w := range want {
		v, ok := defs[name]
		if !ok {
			t.Errorf("header lacks WP_SHM_%s (Go: %d)", name, w)
			continue
		}
		if got, ok := eval(v); !ok || got != w {
			t.Errorf("WP_SHM_%s = %s, Go has %d", name, v, w)
		}
	}
}

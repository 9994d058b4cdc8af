package actor

import "fmt"

// PID identifies one incarnation of a process: {node, index, generation}
// packed into 64 bits, the same layout the guest ABI uses (docs/abi.md):
// bits 63–48 node, 47–24 index, 23–0 generation.
//
// A restart bumps the generation, so a PID held from before the restart is
// stale: messages to it are dead letters, never deliveries to the newer
// process in that slot. The zero PID is never valid.
type PID uint64

const (
	indexBits = 24
	genBits   = 24
	// MaxIndex is the largest process-table index on one node.
	MaxIndex = 1<<indexBits - 1
	// MaxGeneration is the last generation a slot can reach; a slot whose
	// generation would pass it is retired rather than wrapped.
	MaxGeneration = 1<<genBits - 1
)

// NewPID packs its parts. Index and generation are truncated to 24 bits.
func NewPID(node uint16, index, generation uint32) PID {
	return PID(uint64(node)<<48 | uint64(index&MaxIndex)<<genBits | uint64(generation&MaxGeneration))
}

// Node is the node the process lives on (0 on a single-process system).
func (p PID) Node() uint16 { return uint16(p >> 48) }

// Index is the slot in the node's process table.
func (p PID) Index() uint32 { return uint32(p>>genBits) & MaxIndex }

// Generation counts the incarnations of the slot, starting at 1.
func (p PID) Generation() uint32 { return uint32(p) & MaxGeneration }

// IsZero reports whether p is the zero (invalid) PID.
func (p PID) IsZero() bool { return p == 0 }

// String formats p as <node.index.generation>, like Erlang.
func (p PID) String() string {
	return fmt.Sprintf("<%d.%d.%d>", p.Node(), p.Index(), p.Generation())
}

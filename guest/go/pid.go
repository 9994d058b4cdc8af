package guest

import "strconv"

// PID identifies one incarnation of a component: the node it runs on, its
// slot in that node's process table, and the generation of the slot. A
// restart bumps the generation, so a PID held across a restart is stale and
// messages to it fail with [ErrDeadPID]. The zero PID is never valid; it is
// the sender of messages that come from the host itself.
type PID uint64

// Node returns bits 63–48: the node, 0 on a single-process system.
func (p PID) Node() uint16 { return uint16(p >> 48) }

// Index returns bits 47–24: the slot in the node's process table.
func (p PID) Index() uint32 { return uint32(p>>24) & 0xFFFFFF }

// Generation returns bits 23–0: the slot's generation, starting at 1.
func (p PID) Generation() uint32 { return uint32(p) & 0xFFFFFF }

// String formats p as "<node.index.generation>".
func (p PID) String() string {
	b := make([]byte, 0, 24)
	b = append(b, '<')
	b = strconv.AppendUint(b, uint64(p.Node()), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(p.Index()), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(p.Generation()), 10)
	return string(append(b, '>'))
}

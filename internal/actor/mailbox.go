package actor

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Overflow is what a full mailbox does with a new message.
type Overflow uint8

const (
	// OverflowBlock makes the sender wait for room, up to the mailbox's
	// BlockTimeout, then fail with ErrMailboxFull.
	OverflowBlock Overflow = iota
	// OverflowDrop drops the new message: the sender is not told, the
	// message becomes a dead letter.
	OverflowDrop
	// OverflowFail refuses the new message at once with ErrMailboxFull.
	OverflowFail
)

func (o Overflow) String() string {
	switch o {
	case OverflowBlock:
		return "block"
	case OverflowDrop:
		return "drop"
	case OverflowFail:
		return "fail"
	}
	return fmt.Sprintf("overflow(%d)", uint8(o))
}

// MailboxConfig bounds a process's mailbox. The zero value means the
// defaults: capacity 1024, block for up to 1 s.
type MailboxConfig struct {
	// Capacity is the most messages the mailbox holds (default 1024).
	Capacity int
	// Overflow is the policy when it is full (default OverflowBlock).
	Overflow Overflow
	// BlockTimeout bounds how long OverflowBlock waits (default 1 s).
	BlockTimeout time.Duration
}

// DefaultMailboxCapacity is the capacity of a mailbox configured with 0.
const DefaultMailboxCapacity = 1024

func (c MailboxConfig) withDefaults() MailboxConfig {
	if c.Capacity <= 0 {
		c.Capacity = DefaultMailboxCapacity
	}
	if c.BlockTimeout <= 0 {
		c.BlockTimeout = time.Second
	}
	return c
}

// mailbox is a bounded FIFO ring. Its buffer starts empty and doubles up to
// the capacity, so an idle process holds no message storage; it never grows
// past the capacity.
type mailbox struct {
	mu   sync.Mutex
	buf  []Message // len is 0 or a power of two
	head int
	n    atomic.Int32 // written under mu, read without it to schedule
	cfg  MailboxConfig
	// closed is set when the process ended; push refuses from then on, so
	// no message is stranded in a mailbox nobody drains.
	closed bool

	// room is signalled (non-blocking) when a message leaves a full mailbox,
	// to wake one blocked sender. Made on first use.
	room chan struct{}
}

type pushResult uint8

const (
	pushed pushResult = iota
	pushFull
	pushClosed
)

// push appends m if there is room. Lock not held.
func (mb *mailbox) push(m *Message) pushResult {
	mb.mu.Lock()
	if mb.closed {
		mb.mu.Unlock()
		return pushClosed
	}
	n := int(mb.n.Load())
	if n >= mb.cfg.Capacity {
		mb.mu.Unlock()
		return pushFull
	}
	if n == len(mb.buf) {
		mb.grow()
	}
	mb.buf[(mb.head+n)&(len(mb.buf)-1)] = *m
	mb.n.Store(int32(n + 1))
	mb.mu.Unlock()
	return pushed
}

// requeue puts m back at the head, where it was popped from. It may take
// the mailbox one past its capacity, never past its ring.
func (mb *mailbox) requeue(m *Message) {
	mb.mu.Lock()
	n := int(mb.n.Load())
	if n == len(mb.buf) {
		mb.grow()
	}
	mb.head = (mb.head - 1) & (len(mb.buf) - 1)
	mb.buf[mb.head] = *m
	mb.n.Store(int32(n + 1))
	mb.mu.Unlock()
}

// close refuses further pushes.
func (mb *mailbox) close() {
	mb.mu.Lock()
	mb.closed = true
	mb.mu.Unlock()
}

// grow doubles the ring, capped at the next power of two ≥ capacity.
// Lock should be held.
func (mb *mailbox) grow() {
	size := len(mb.buf) * 2
	if size == 0 {
		size = 4
	}
	nb := make([]Message, size)
	n := int(mb.n.Load())
	for i := 0; i < n; i++ {
		nb[i] = mb.buf[(mb.head+i)&(len(mb.buf)-1)]
	}
	mb.buf, mb.head = nb, 0
}

// popBatch moves up to len(dst) messages into dst and returns how many.
func (mb *mailbox) popBatch(dst []Message) int {
	mb.mu.Lock()
	n := int(mb.n.Load())
	if n == 0 {
		mb.mu.Unlock()
		return 0
	}
	k := min(n, len(dst))
	mask := len(mb.buf) - 1
	for i := 0; i < k; i++ {
		j := (mb.head + i) & mask
		dst[i] = mb.buf[j]
		mb.buf[j] = Message{}
	}
	mb.head = (mb.head + k) & mask
	mb.n.Store(int32(n - k))
	wasFull := n >= mb.cfg.Capacity
	room := mb.room
	mb.mu.Unlock()
	if wasFull && room != nil {
		select {
		case room <- struct{}{}:
		default:
		}
	}
	return k
}

// roomChan returns the channel blocked senders wait on.
func (mb *mailbox) roomChan() chan struct{} {
	mb.mu.Lock()
	if mb.room == nil {
		mb.room = make(chan struct{}, 1)
	}
	c := mb.room
	mb.mu.Unlock()
	return c
}

// len is the number of queued messages.
func (mb *mailbox) len() int { return int(mb.n.Load()) }

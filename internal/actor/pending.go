package actor

import (
	"sync"

	"github.com/wasmplane/wasmplane/internal/boundary"
	"sync/atomic"
	"time"
)

const pendingShards = 64

type reply struct {
	data []byte
	err  error
}

// call is one outstanding request. ch has room for exactly one reply, so
// whoever removes the call from the table can answer without blocking.
type call struct {
	ch     chan reply
	target PID
	kind   string
	timer  *time.Timer // reused across requests; stopped when pooled
	// edge is the requester's wait-for edge, removed by whoever answers
	// before the reply is delivered: a callee that replies and at once
	// requests its old caller must not see the stale edge.
	edge *boundary.Edge
	// wait is the storage edge points to (Graph.WaitInto); reused with
	// the record once both Done calls have returned.
	wait boundary.Edge
	// lease is a typed call's hold on the callee's yield token, released
	// on the reply path like edge.
	lease boundary.Lease
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan reply, 1)} }}

// arm starts the call's timeout timer, reusing the one it had.
func (c *call) arm(d time.Duration) <-chan time.Time {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d) // Go ≥ 1.23: no stale value can be left in C
	}
	return c.timer.C
}

// pending maps correlation ids to outstanding requests. Sharded so that
// concurrent requesters rarely share a lock.
type pending struct {
	next   atomic.Uint64
	shards [pendingShards]struct {
		mu sync.Mutex
		m  map[uint64]*call
		_  [40]byte // keep shards on separate cache lines
	}
}

func (t *pending) add(target PID, kind string) (uint64, *call) {
	corr := t.next.Add(1)
	c := callPool.Get().(*call)
	c.target, c.kind = target, kind
	sh := &t.shards[corr%pendingShards]
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[uint64]*call)
	}
	sh.m[corr] = c
	sh.mu.Unlock()
	return corr, c
}

// take removes and returns the call for corr, or nil if none is pending.
func (t *pending) take(corr uint64) *call {
	sh := &t.shards[corr%pendingShards]
	sh.mu.Lock()
	c := sh.m[corr]
	if c != nil {
		delete(sh.m, corr)
	}
	sh.mu.Unlock()
	return c
}

// has reports whether corr is still pending.
func (t *pending) has(corr uint64) bool {
	sh := &t.shards[corr%pendingShards]
	sh.mu.Lock()
	_, ok := sh.m[corr]
	sh.mu.Unlock()
	return ok
}

// lease is the token lease of the typed call corr, if still pending.
func (t *pending) lease(corr uint64) boundary.Lease {
	sh := &t.shards[corr%pendingShards]
	sh.mu.Lock()
	var l boundary.Lease
	if c := sh.m[corr]; c != nil {
		l = c.lease
	}
	sh.mu.Unlock()
	return l
}

// complete answers corr. It reports false if corr was not pending.
func (t *pending) complete(corr uint64, r reply) bool {
	c := t.take(corr)
	if c == nil {
		return false
	}
	c.lease.Release()
	if c.edge != nil {
		c.edge.Done()
	}
	c.ch <- r
	return true
}

// release returns c to the pool once its requester is done with it: either
// it received the reply, or it took the call out of the table itself.
func release(c *call) {
	if c.timer != nil {
		c.timer.Stop()
	}
	c.target, c.kind, c.edge, c.lease = 0, "", nil, boundary.Lease{}
	callPool.Put(c)
}

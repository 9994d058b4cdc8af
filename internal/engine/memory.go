package engine

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

const pageSize = 65536

// pooledPages is the largest memory (in pages) whose buffer is pooled.
const pooledPages = 64

// memPool recycles zeroed linear-memory buffers by capacity in pages, so
// instantiating a small module does not allocate and clear a fresh buffer.
type memPool struct {
	classes [pooledPages + 1]sync.Pool
}

func (p *memPool) get(capBytes uint64) []byte {
	pages := capBytes / pageSize
	if capBytes%pageSize == 0 && pages <= pooledPages {
		if b, ok := p.classes[pages].Get().(*[]byte); ok {
			return (*b)[:0]
		}
	}
	return make([]byte, 0, capBytes)
}

func (p *memPool) put(b []byte) {
	c := uint64(cap(b))
	pages := c / pageSize
	if c%pageSize != 0 || pages > pooledPages || pages == 0 {
		return
	}
	clear(b[:cap(b)]) // the next instance must see zeroed memory
	b = b[:0]
	p.classes[pages].Put(&b)
}

// allocator implements experimental.MemoryAllocator with a per-instance
// limit: growth past limitBytes is refused, which the guest sees as
// memory.grow returning -1.
type allocator struct {
	pool       *memPool
	limitBytes uint64 // 0: the module's own maximum
}

func (a allocator) Allocate(capBytes, maxBytes uint64) experimental.LinearMemory {
	limit := maxBytes
	if a.limitBytes != 0 && a.limitBytes < limit {
		limit = a.limitBytes
	}
	capBytes = min(capBytes, limit)
	return &linearMemory{buf: a.pool.get(capBytes), limit: limit, pool: a.pool}
}

type linearMemory struct {
	buf   []byte
	limit uint64
	pool  *memPool
}

// Reallocate grows the buffer; bytes past the old length are zero because
// pooled buffers are cleared on Free and fresh ones are zeroed by make.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.limit {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	newCap := min(max(size, 2*uint64(cap(m.buf))), m.limit)
	nb := make([]byte, size, newCap)
	copy(nb, m.buf)
	m.pool.put(m.buf)
	m.buf = nb
	return m.buf
}

func (m *linearMemory) Free() {
	if m.buf != nil {
		m.pool.put(m.buf)
		m.buf = nil
	}
}

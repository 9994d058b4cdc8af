package boundary

// DefaultMaxEvents is how many events a Registry or a Tiers keeps unless
// its options say otherwise.
const DefaultMaxEvents = 1024

// eventLog keeps the last max values pushed, in a ring. Not safe for
// concurrent use: its owner's lock guards it.
type eventLog[T any] struct {
	buf  []T
	head int // the oldest value, once full
	max  int
}

func newEventLog[T any](max int) eventLog[T] {
	if max <= 0 {
		max = DefaultMaxEvents
	}
	return eventLog[T]{max: max}
}

// push adds v, dropping the oldest value when full.
func (r *eventLog[T]) push(v T) {
	if len(r.buf) < r.max {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.head] = v
	r.head++
	if r.head == r.max {
		r.head = 0
	}
}

// all returns a copy of the values, oldest first.
func (r *eventLog[T]) all() []T {
	out := make([]T, 0, len(r.buf))
	out = append(out, r.buf[r.head:]...)
	return append(out, r.buf[:r.head]...)
}

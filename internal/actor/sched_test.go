package actor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

func schedSystem(t testing.TB, slots int) *System {
	t.Helper()
	return quietSystem(t, Config{Scheduler: SchedulerConfig{Enabled: true, Slots: slots}})
}

// eventually waits, with a deadline, for cond to hold.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

func waitGroup(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// waiting reports whether the scheduler has n queued waiters (counted
// under its lock: then they are in the mask too).
func waiting(s *System, n int) func() bool {
	return func() bool {
		sc := s.sched
		sc.mu.Lock()
		defer sc.mu.Unlock()
		k := 0
		for l := range sc.levels {
			for w := sc.levels[l].head; w != nil; w = w.next {
				k++
			}
		}
		return k == n
	}
}

// idle reports whether every slot is free again.
func idle(s *System) func() bool {
	return func() bool { f, w := s.sched.counts(); return f == s.sched.slots && w == 0 }
}

// order records who handled each message. With one slot handlers never
// overlap, so the record is the handling order.
type order struct {
	mu   sync.Mutex
	tags []string
}

func (o *order) add(tag string) {
	o.mu.Lock()
	o.tags = append(o.tags, tag)
	o.mu.Unlock()
}

func (o *order) get() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.tags)
}

var sink atomic.Uint64

// burn does n steps of work the compiler cannot drop.
func burn(n int) {
	x := uint64(n)
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink.Add(x)
}

// worker queues its whole load to itself in PostStart, so the load is in
// its mailbox before it can run, then burns work for each message. With
// flood set it sends itself a new message for each it handles, until
// flood is false.
type worker struct {
	Hooks
	tag   string
	n     int
	work  int
	log   *order
	done  *sync.WaitGroup
	flood *atomic.Bool
	count *atomic.Int64 // messages handled, if set
}

func (w *worker) PostStart(c *Context) error {
	for range w.n {
		if err := c.Send(c.Self(), "work", nil); err != nil {
			return err
		}
	}
	return nil
}

func (w *worker) Receive(c *Context, m Message) error {
	if w.log != nil {
		w.log.add(w.tag)
	}
	burn(w.work)
	if w.count != nil {
		w.count.Add(1)
	}
	if w.flood != nil && w.flood.Load() {
		return c.Send(c.Self(), "work", nil)
	}
	if w.done != nil {
		w.done.Done()
	}
	return nil
}

func at(level boundary.Priority) SpawnOptions {
	return SpawnOptions{Priority: level, PrioritySet: true}
}

// TestPriorityOrder fills the single slot with a message held at a gate,
// queues three low-priority workers and then H, and opens the gate: H's
// level when the slot frees decides whether it runs before or after the
// workers queued ahead of it.
func TestPriorityOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spawn boundary.Priority
		set   int  // -1: no SetPriority; else the level set
		parks bool // SetPriority once H is parked (else right after spawn)
		first bool // H runs before the workers queued ahead of it
	}{
		{name: "high", spawn: 7, set: -1, first: true},
		{name: "equal", spawn: 0, set: -1, first: false},
		{name: "raised while waiting", spawn: 0, set: 7, parks: true, first: true},
		{name: "lowered while waiting", spawn: 7, set: 0, parks: true, first: false},
		{name: "raised before waiting", spawn: 0, set: 7, first: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := schedSystem(t, 1)
			g := newGate()
			gp, err := s.Spawn(factoryOf(g), at(0))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(gp, "hold", nil); err != nil {
				t.Fatal(err)
			}
			<-g.entered // the gate holds the only slot
			log := &order{}
			var wg sync.WaitGroup
			const perWorker, perH = 4, 5
			for i := range 3 {
				wg.Add(perWorker)
				w := &worker{tag: fmt.Sprint("L", i), n: perWorker, work: 1000, log: log, done: &wg}
				if _, err := s.Spawn(factoryOf(w), at(0)); err != nil {
					t.Fatal(err)
				}
				eventually(t, w.tag+" parked", waiting(s, i+1))
			}
			wg.Add(perH)
			h, err := s.Spawn(factoryOf(&worker{tag: "H", n: perH, log: log, done: &wg}), at(tc.spawn))
			if err != nil {
				t.Fatal(err)
			}
			if tc.set >= 0 && !tc.parks {
				if err := s.SetPriority(h, boundary.Priority(tc.set)); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "H parked", waiting(s, 4))
			if tc.set >= 0 && tc.parks {
				if err := s.SetPriority(h, boundary.Priority(tc.set)); err != nil {
					t.Fatal(err)
				}
			}
			close(g.open)
			waitGroup(t, &wg, "every message handled")
			got := log.get()
			var want []string
			if tc.first {
				want = slices.Repeat([]string{"H"}, perH)
			}
			for i := range 3 {
				want = append(want, slices.Repeat([]string{fmt.Sprint("L", i)}, perWorker)...)
			}
			if !tc.first {
				want = append(want, slices.Repeat([]string{"H"}, perH)...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("handling order:\n got %v\nwant %v", got, want)
			}
			eventually(t, "all slots free", idle(s))
		})
	}
}

// gatedBatch queues n messages to itself in PostStart (one batch), and
// holds the first at a gate.
type gatedBatch struct {
	Hooks
	n             int
	log           *order
	done          *sync.WaitGroup
	entered, open chan struct{}
	first         bool
}

func (g *gatedBatch) PostStart(c *Context) error {
	for range g.n {
		if err := c.Send(c.Self(), "work", nil); err != nil {
			return err
		}
	}
	return nil
}

func (g *gatedBatch) Receive(*Context, Message) error {
	g.log.add("L")
	if !g.first {
		g.first = true
		close(g.entered)
		<-g.open
	}
	g.done.Done()
	return nil
}

// TestPriorityYieldsMidBatch: a low-priority process in the middle of a
// batch gives its slot to a high-priority arrival after the message in
// progress, not after its batch.
func TestPriorityYieldsMidBatch(t *testing.T) {
	s := schedSystem(t, 1)
	log := &order{}
	var wg sync.WaitGroup
	wg.Add(4 + 2)
	low := &gatedBatch{n: 4, log: log, done: &wg, entered: make(chan struct{}), open: make(chan struct{})}
	if _, err := s.Spawn(factoryOf(low), at(0)); err != nil {
		t.Fatal(err)
	}
	<-low.entered
	if _, err := s.Spawn(factoryOf(&worker{tag: "H", n: 2, log: log, done: &wg}), at(7)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "H parked", waiting(s, 1))
	close(low.open)
	waitGroup(t, &wg, "every message handled")
	if got, want := log.get(), []string{"L", "H", "H", "L", "L", "L"}; !slices.Equal(got, want) {
		t.Fatalf("handling order %v, want %v: H must run right after the message in progress", got, want)
	}
	eventually(t, "all slots free", idle(s))
}

// TestPriorityNoStarvation floods the single slot with high-priority
// work; the low-priority process still gets a slot every StarveLimit
// passes.
func TestPriorityNoStarvation(t *testing.T) {
	for _, flooders := range []int{1, 2} {
		t.Run(fmt.Sprint(flooders, " flooders"), func(t *testing.T) {
			s := schedSystem(t, 1)
			log := &order{}
			var flood atomic.Bool
			flood.Store(true)
			for i := range flooders {
				// The work lets the other flooder park meanwhile, so
				// passes happen both at handoffs and at batch ends.
				w := &worker{tag: fmt.Sprint("H", i), n: 2, work: 5000, log: log, flood: &flood}
				if _, err := s.Spawn(factoryOf(w), at(7)); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "the flood", func() bool { return len(log.get()) > 0 })
			var wg sync.WaitGroup
			const lows = 3
			wg.Add(lows)
			if _, err := s.Spawn(factoryOf(&worker{tag: "L", n: lows, log: log, done: &wg}), at(0)); err != nil {
				t.Fatal(err)
			}
			waitGroup(t, &wg, "the low-priority messages, under the flood")
			flood.Store(false)
			got := log.get()
			// Between two low-priority messages: at most StarveLimit+1
			// passes of at most a batch each.
			limit := (DefaultStarveLimit + 1) * batchSize
			gap, seen := 0, 0
			for _, tag := range got {
				if tag != "L" {
					gap++
					continue
				}
				if seen > 0 && gap > limit {
					t.Fatalf("%d high-priority messages between two low ones, limit %d", gap, limit)
				}
				seen++
				gap = 0
			}
		})
	}
}

// echo replies with the request's data.
var echo = ReceiveFunc(func(c *Context, m Message) error { return c.Reply(m, m.Data) })

// forward requests the first process of the path in the payload
// ("b/c"), handing it the rest, and replies with its answer.
var forward = ReceiveFunc(func(c *Context, m Message) error {
	next, rest, _ := strings.Cut(string(m.Data), "/")
	to, err := c.Lookup(next)
	if err != nil {
		return err
	}
	out, err := c.Request(context.Background(), to, "fwd", []byte(rest))
	if err != nil {
		return err
	}
	return c.Reply(m, out)
})

// TestBlockedRequesterGivesUpSlot: with one slot, processes that wait on
// requests to processes that need the slot complete, because a waiting
// requester holds no slot.
func TestBlockedRequesterGivesUpSlot(t *testing.T) {
	for _, tc := range []struct {
		name  string
		procs map[string]Component
		calls [][2]string // request to [0] with the path [1]
	}{
		{
			name:  "peers",
			procs: map[string]Component{"a": forward, "b": forward, "ea": echo, "eb": echo},
			calls: [][2]string{{"a", "eb"}, {"b", "ea"}},
		},
		{
			name:  "chain",
			procs: map[string]Component{"a": forward, "b": forward, "c": echo},
			calls: [][2]string{{"a", "b/c"}, {"b", "c"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := quietSystem(t, Config{Scheduler: SchedulerConfig{Enabled: true, Slots: 1}, RequestTimeout: 10 * time.Second})
			for name, c := range tc.procs {
				if _, err := s.Spawn(factoryOf(c), SpawnOptions{Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for _, call := range tc.calls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					to, err := s.Lookup(call[0])
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := s.Request(ctx, to, "go", []byte(call[1])); err != nil {
						t.Errorf("request to %s: %v", call[0], err)
					}
				}()
			}
			wg.Wait()
			eventually(t, "all slots free", idle(s))
		})
	}
}

// TestBlockedSenderGivesUpSlot: with one slot, a process sending to a
// full mailbox (block policy) waits without its slot, so the receiver can
// drain.
func TestBlockedSenderGivesUpSlot(t *testing.T) {
	s := schedSystem(t, 1)
	var got atomic.Int64
	sink, err := s.Spawn(factoryOf(ReceiveFunc(func(*Context, Message) error { got.Add(1); return nil })),
		SpawnOptions{Mailbox: MailboxConfig{Capacity: 1, BlockTimeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	sender, err := s.Spawn(factoryOf(ReceiveFunc(func(c *Context, m Message) error {
		for range n {
			if err := c.Send(sink, "x", nil); err != nil {
				return err
			}
		}
		return c.Reply(m, nil)
	})), SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Request(ctx, sender, "go", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every message delivered", func() bool { return got.Load() == n })
	eventually(t, "all slots free", idle(s))
}

// stuck hangs in its handler until released; it cannot be interrupted.
type stuck struct {
	Hooks
	entered chan struct{}
	release chan struct{}
}

func (c *stuck) Receive(_ *Context, m Message) error {
	if m.Kind == "hang" {
		close(c.entered)
		<-c.release
	}
	return nil
}

// TestKilledHandlerFreesSlot: killing an instance stuck in its handler
// gives its slot back, though the goroutine never returns.
func TestKilledHandlerFreesSlot(t *testing.T) {
	s := schedSystem(t, 1)
	c := &stuck{entered: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(c.release) })
	h, err := s.SpawnSupervised(ctx5(t), factoryOf(c), SpawnOptions{}, newExits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(h.PID(), "hang", nil); err != nil {
		t.Fatal(err)
	}
	<-c.entered
	if _, err := h.Terminate(ctx5(t), StopOptions{Brutal: true}); err != nil {
		t.Fatal(err)
	}
	e, err := s.Spawn(factoryOf(echo), SpawnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Request(ctx5(t), e, "ping", nil); err != nil {
		t.Fatalf("the killed handler kept the only slot: %v", err)
	}
	eventually(t, "all slots free", idle(s))
}

func TestPriorityAPI(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		t.Run(fmt.Sprint("scheduler ", enabled), func(t *testing.T) {
			s := quietSystem(t, Config{Scheduler: SchedulerConfig{Enabled: enabled}})
			if enabled && s.Config().Scheduler.Slots != runtime.GOMAXPROCS(0) {
				t.Fatalf("default slots %d, want GOMAXPROCS %d", s.Config().Scheduler.Slots, runtime.GOMAXPROCS(0))
			}
			f := factoryOf(echo)
			for _, tc := range []struct {
				name string
				opts SpawnOptions
				want boundary.Priority
			}{
				{"unset", SpawnOptions{}, boundary.DefaultPriority},
				{"zero, unset", SpawnOptions{Priority: 0}, boundary.DefaultPriority},
				{"lowest", at(0), 0},
				{"highest", at(7), 7},
			} {
				pid, err := s.Spawn(f, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := s.Priority(pid); err != nil || got != tc.want {
					t.Errorf("%s: priority %d, %v; want %d", tc.name, got, err, tc.want)
				}
			}
			if _, err := s.Spawn(f, at(8)); !errors.Is(err, ErrInvalid) {
				t.Errorf("spawn at 8: %v, want ErrInvalid", err)
			}
			pid, err := s.Spawn(f, SpawnOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetPriority(pid, 6); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Priority(pid); got != 6 {
				t.Errorf("after SetPriority(6): %d", got)
			}
			if err := s.SetPriority(pid, boundary.Levels); !errors.Is(err, ErrInvalid) {
				t.Errorf("SetPriority(8): %v, want ErrInvalid", err)
			}
			if err := s.Stop(ctx5(t), pid); err != nil {
				t.Fatal(err)
			}
			if err := s.SetPriority(pid, 1); !errors.Is(err, ErrDeadPID) {
				t.Errorf("SetPriority of a stopped process: %v, want ErrDeadPID", err)
			}
			if _, err := s.Priority(pid); !errors.Is(err, ErrDeadPID) {
				t.Errorf("Priority of a stopped process: %v, want ErrDeadPID", err)
			}
		})
	}
}

// TestSchedulerHammer: many processes at random priorities, messages from
// several goroutines, requests between processes (slots given up while
// waiting), priorities changed while running; every message is handled
// exactly once and every slot comes back. Run it with -race.
func TestSchedulerHammer(t *testing.T) {
	for _, slots := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(slots, " slots"), func(t *testing.T) {
			s := quietSystem(t, Config{Scheduler: SchedulerConfig{Enabled: true, Slots: slots, StarveLimit: 4}})
			const procs, senders, perSender = 24, 4, 400
			seen := make([]atomic.Int32, senders*perSender)
			var handled atomic.Int64
			pids := make([]PID, procs)
			f := func() (Component, error) {
				return ReceiveFunc(func(c *Context, m Message) error {
					switch m.Kind {
					case "echo":
						return c.Reply(m, nil)
					case "msg", "req":
						seen[binary.LittleEndian.Uint32(m.Data)].Add(1)
						handled.Add(1)
						burn(200)
					}
					if m.Kind == "req" {
						to := pids[int(m.Data[4])%procs]
						if to != c.Self() {
							// A cycle is refused at once; a slow answer
							// times out. Both are fine here.
							ctx, cancel := context.WithTimeout(context.Background(), time.Second)
							_, _ = c.Request(ctx, to, "echo", nil)
							cancel()
						}
					}
					return nil
				}), nil
			}
			for i := range pids {
				pid, err := s.Spawn(f, at(boundary.Priority(i%boundary.Levels)))
				if err != nil {
					t.Fatal(err)
				}
				pids[i] = pid
			}
			var wg sync.WaitGroup
			for w := range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 1))
					for i := range perSender {
						id := w*perSender + i
						data := make([]byte, 5)
						binary.LittleEndian.PutUint32(data, uint32(id))
						data[4] = byte(r.IntN(procs))
						kind := "msg"
						if i%7 == 0 {
							kind = "req"
						}
						if err := s.Send(pids[r.IntN(procs)], kind, data); err != nil {
							t.Error(err)
							return
						}
						if i%5 == 0 {
							_ = s.SetPriority(pids[r.IntN(procs)], boundary.Priority(r.IntN(boundary.Levels)))
						}
					}
				}()
			}
			wg.Wait()
			eventually(t, "every message handled", func() bool { return handled.Load() == senders*perSender })
			for id := range seen {
				if n := seen[id].Load(); n != 1 {
					t.Fatalf("message %d handled %d times", id, n)
				}
			}
			eventually(t, "all slots free", idle(s))
		})
	}
}

// Package harness holds what every system's benchmarks share: the shapes
// of the workloads, a completion countdown, a cache for expensive
// fixtures, the idle-memory measurement and the paths of the Wasm modules.
//
// Each system's benchmarks are a package of their own (hollywood and
// protoactor-go both register a protobuf file named actor.proto, which
// cannot share a binary), named Benchmark<Workload>/<system>[/<param>].
package harness

import (
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// Main runs a benchmark package: peers log through the default slog
// logger (Hollywood) or print warnings (ergo, through its flag
// ergo.warning); both are silenced so that logging costs nothing anywhere.
func Main(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	if f := flag.Lookup("ergo.warning"); f != nil {
		_ = f.Value.Set("false")
	}
	os.Exit(m.Run())
}

// Shapes shared by every system.
const (
	PingPongPairs  = 4
	PingPongWindow = 100 // messages in flight per pair
	FanOutSubs     = 100
	IdleGo         = 100_000 // idle Go components measured at once
	IdleWasm       = 10_000  // idle Wasm components measured at once
	WasmPayload    = 64
	// BigMailbox is the mailbox of the one-sender send benchmarks, where the
	// framework lets it be set (ergo's is at most 65,535).
	BigMailbox = 1 << 16
)

// LookupSizes are the registry sizes; ScaleSizes the component counts of
// the scaling runs; PayloadSizes the payload sizes of the scaling runs.
var (
	LookupSizes  = []int{10, 1_000, 1_000_000}
	ScaleSizes   = []int{10, 1_000, 100_000, 1_000_000}
	PayloadSizes = []int{16, 1 << 10, 64 << 10, 1 << 20}
)

// Msg is the message the Go actor frameworks send: a pointer to one shared
// value, so that no framework pays for boxing it.
type Msg struct{}

// TheMsg is the one Msg value.
var TheMsg = &Msg{}

// Start starts a ping-pong pinger.
type Start struct{}

// Countdown lets a benchmark wait until its receivers handled a known
// number of messages, whatever the framework: receivers call Hit, the
// benchmark calls Arm before sending and Wait after. It needs no ordering
// between queues, unlike a request used as a barrier.
type Countdown struct {
	left atomic.Int64
	done chan struct{}
}

// NewCountdown makes a disarmed countdown.
func NewCountdown() *Countdown { return &Countdown{done: make(chan struct{}, 1)} }

// Arm expects n more hits; call it before the first of them can happen.
func (c *Countdown) Arm(n int) { c.left.Store(int64(n)) }

// Hit counts one handled message.
func (c *Countdown) Hit() {
	if c.left.Add(-1) == 0 {
		c.done <- struct{}{}
	}
}

// Wait blocks until the armed number of hits happened. A lost message
// hangs the benchmark, which go test's -timeout turns into a failure with
// every goroutine's stack.
func (c *Countdown) Wait() { <-c.done }

// Leaf runs one benchmark leaf.
func Leaf(b *testing.B, name string, f func(b *testing.B)) { b.Run(name, f) }

// Sized runs f once per size as leaves named <system>/<key>=<size>.
func Sized(b *testing.B, system, key string, sizes []int, f func(b *testing.B, n int)) {
	b.Run(system, func(b *testing.B) {
		for _, n := range sizes {
			b.Run(key+"="+strconv.Itoa(n), func(b *testing.B) { f(b, n) })
		}
	})
}

// Case is one leaf that runs on a shared fixture.
type Case[T any] struct {
	Name string
	F    func(b *testing.B, fx T, n int)
}

// MaxN caps the component and registry sizes (LookupSizes, ScaleSizes):
// bench/run's smoke test sets BENCH_MAX_N so that it builds no registry of
// a million. 0 means no cap.
var MaxN, _ = strconv.Atoi(os.Getenv("BENCH_MAX_N"))

func capped(sizes []int) []int {
	if MaxN <= 0 {
		return sizes
	}
	var out []int
	for _, n := range sizes {
		if n <= MaxN {
			out = append(out, n)
		}
	}
	return out
}

// SizedFixture runs, for each size, setup once and then each case as a
// leaf named <system>/<key>=<size>/<case> on what setup made, then
// releases it. go test runs a leaf's ramp-up and -count repeats back to
// back inside its parent, so an expensive setup (a million components) is
// made once per size, and never lingers into another benchmark.
func SizedFixture[T any](b *testing.B, system, key string, sizes []int, setup func(b *testing.B, n int) (T, func()), cases ...Case[T]) {
	b.Run(system, func(b *testing.B) {
		for _, n := range capped(sizes) {
			b.Run(key+"="+strconv.Itoa(n), func(b *testing.B) {
				fx, done := setup(b, n)
				defer func() {
					done()
					runtime.GC()
				}()
				for _, c := range cases {
					b.Run(c.Name, func(b *testing.B) { c.F(b, fx, n) })
				}
			})
		}
	})
}

// Lookup patterns: hot resolves the same 1,024 names over and over (the
// registry's own cost, its entries in cache); random resolves 64 Ki names
// drawn over the whole registry (a large registry's entries come from
// memory).
const (
	HotNames    = 1 << 10
	RandomNames = 1 << 16
)

// LookupCases are the hot and random cases of a lookup benchmark; lookup
// makes the case that resolves k names.
func LookupCases[T any](lookup func(k int) func(b *testing.B, fx T, n int)) []Case[T] {
	return []Case[T]{{"hot", lookup(HotNames)}, {"random", lookup(RandomNames)}}
}

// LookupNames returns k names drawn at random from a registry of n
// entries named prefix0…prefix<n-1>.
func LookupNames(prefix string, n, k int) []string {
	names := make([]string, k)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range names {
		names[i] = prefix + strconv.Itoa(r.IntN(n))
	}
	return names
}

// MemInUse is the heap and stack memory in use after two collections.
func MemInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// MeasureIdle reports the memory (B/component) and goroutines that count
// idle components cost each. setup makes a fresh system, not counted, and
// returns spawn, which makes one idle component and keeps it alive, and
// done, which releases everything after the measurement.
func MeasureIdle(b *testing.B, count int, setup func() (spawn func(), done func())) {
	b.Helper()
	for range b.N {
		b.StopTimer()
		spawn, done := setup()
		g0 := runtime.NumGoroutine()
		before := MemInUse()
		b.StartTimer()
		for range count {
			spawn()
		}
		b.StopTimer()
		after := MemInUse()
		g1 := runtime.NumGoroutine()
		// What spawn made is reachable only through spawn and done.
		runtime.KeepAlive(spawn)
		runtime.KeepAlive(done)
		b.ReportMetric(float64(int64(after)-int64(before))/float64(count), "B/component")
		b.ReportMetric(float64(g1-g0)/float64(count), "goroutines/component")
		done()
		b.StartTimer()
	}
}

// ReportMsgRate reports messages per second for a benchmark whose b.N
// counts messages.
func ReportMsgRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// PingPongQuota is the pings per pair so that all pairs exchange about
// b.N messages (pings and pongs), at least one window.
func PingPongQuota(n int) int { return max(n/(2*PingPongPairs), PingPongWindow) }

// ReportPingPong reports the ping-pong rate: each pair exchanged quota
// pings and quota pongs.
func ReportPingPong(b *testing.B, quota int) {
	b.ReportMetric(float64(2*quota*PingPongPairs)/b.Elapsed().Seconds(), "msg/s")
}

// ScaleStride walks n components in an order that is not their spawn
// order (a stride coprime with n), so that consecutive messages do not go
// to neighbours in memory.
func ScaleStride(n int) int {
	if n <= 2 {
		return 1
	}
	s := n/2 + 1
	for gcd(s, n) != 1 {
		s++
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Must fails tb on err.
func Must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// Wasm modules: the main repo's committed 1-page guest, and this module's.
var (
	MinimalWasm  = fromRoot("../testdata/wat/minimal.wasm")
	SinkWasm     = fromRoot("testdata/sink.wasm")
	HostcallWasm = fromRoot("testdata/hostcall.wasm")
)

// Root is the bench module's directory.
var Root = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

func fromRoot(rel string) string { return filepath.Join(Root, rel) }

// ReadFile reads a module, failing tb if it cannot.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	bin, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(fmt.Errorf("read %s: %w", path, err))
	}
	return bin
}

package main

// What the report knows about the benchmarks: the systems, the workloads,
// issue 3's targets and the seed's published figures.

// systemOrder is the order systems appear in, in every table.
var systemOrder = []string{"wasmplane", "hollywood", "protoactor", "ergo", "floor", "floor-transient", "wazero", "wazero-call"}

var peers = []string{"hollywood", "protoactor", "ergo"}

// floors are the systems that stand for the floor; the first measured one
// is the workload's floor.
var floors = []string{"floor", "wazero"}

var systemTitle = map[string]string{
	"wasmplane":       "**wasmplane**",
	"hollywood":       "Hollywood",
	"protoactor":      "protoactor-go",
	"ergo":            "ergo v2",
	"floor":           "floor (raw Go)",
	"floor-transient": "floor: `go` statement alone",
	"wazero":          "floor: bare wazero",
	"wazero-call":     "bare wazero, `Call`",
}

type metric int

const (
	timeMetric metric = iota // sec/op, lower is better
	rateMetric               // msg/s, higher is better
	idleMetric               // B/component, lower is better
)

func (m metric) unit() string {
	switch m {
	case rateMetric:
		return unitMsgRate
	case idleMetric:
		return unitIdle
	}
	return unitTime
}

func (m metric) lowerBetter() bool { return m != rateMetric }

type target struct {
	value float64 // in the metric's base unit
	text  string
}

type seed struct {
	value float64
	text  string
}

type workload struct {
	name   string // benchmark base name without "Benchmark"
	title  string
	metric metric
	params []string // sub-cases; nil means the workload has none
	target *target
	seed   *seed
	what   string // how it is measured, for every system
}

// seedNote marks the seed's figures everywhere they appear.
const seedNote = "measured elsewhere (Rust runtime, Apple M1)"

var lookupParams = []string{"n=10/hot", "n=10/random", "n=1000/hot", "n=1000/random", "n=1000000/hot", "n=1000000/random"}

var workloads = []workload{
	{
		name: "Send", title: "Send, one sender → one actor", metric: timeMetric,
		target: &target{40e-9, "≤ 40 ns"}, seed: &seed{1.05e-6, "1.05 µs (routing, per message)"},
		what: "One goroutine sends b.N one-way messages to one actor, which counts them; the time runs until the " +
			"last one is handled. Mailboxes hold 65,536 messages where the framework lets them be sized " +
			"(wasmplane, the floor's channel, ergo 65,535); Hollywood and protoactor-go queues grow unbounded. " +
			"ergo drops a message when the mailbox is full, so its sender retries.",
	},
	{
		name: "RequestReply", title: "Request-reply round trip", metric: timeMetric,
		target: &target{600e-9, "≤ 600 ns"}, seed: &seed{3.18e-6, "3.18 µs"},
		what: "From outside the system, one request to an actor that answers, waiting for the answer: " +
			"wasmplane `System.Request`, Hollywood `Engine.Request(...).Result()`, protoactor-go " +
			"`RootContext.RequestFuture(...).Result()`, ergo `Process.Direct` (the request an outside goroutine can " +
			"make; the server answers in `HandleDirect`), floor a request channel and a reply channel.",
	},
	{
		name: "Spawn", title: "Spawn a Go actor", metric: timeMetric,
		target: &target{300e-9, "≤ 300 ns"}, seed: &seed{286e-9, "286 ns"},
		what: "Spawn one idle actor; they all stay alive (a fixed count per run, see bench/run). The floor is a " +
			"mailbox channel and a goroutine parked on it, kept alive: every such goroutine needs a fresh stack. " +
			"`floor-transient` is a goroutine that ends at once (its stack recycled), the `go` statement alone.",
	},
	{
		name: "Lifecycle", title: "Full lifecycle: spawn + one message + stop", metric: timeMetric,
		seed: &seed{1.49e-6, "1.49 µs"},
		what: "Spawn, send one message, stop gracefully and wait until stopped; every system checks that all " +
			"messages were handled. wasmplane `Stop`, Hollywood `Poison` and its context, protoactor-go " +
			"`PoisonFuture(...).Wait()`, ergo: the message's handler returns `ServerStatusStop`, then " +
			"`Process.Wait`; floor: close the channel, wait for the goroutine.",
	},
	{
		name: "PingPong", title: "System throughput: 4 ping-pong pairs", metric: rateMetric,
		target: &target{40e6, "≥ 40 M msg/s"}, seed: &seed{6.12e6, "6.12 M msg/s"},
		what: "4 pairs; each pinger keeps 100 pings in flight and sends the next on every pong until its quota; " +
			"pings and pongs both count. The actors send to each other through the framework (`Context.Send` to " +
			"the sender, `Context.Respond`, `Context.Request`, `Process.Send`).",
	},
	{
		name: "FanOut", title: "Fan-out: one message to 100 subscribers", metric: timeMetric,
		target: &target{15e-6, "≤ 15 µs"}, seed: &seed{85.2e-6, "85.2 µs"},
		what: "One message to 100 actors, until all 100 handled it (ns per fan-out). wasmplane publishes once " +
			"to a topic the 100 subscribed to; the peers have no actor topics (their event streams carry system " +
			"events or call handlers on the publisher's goroutine), so they send 100 times, as does the floor.",
	},
	{
		name: "Lookup", title: "Registry lookup", metric: timeMetric, params: lookupParams,
		target: &target{20e-9, "≤ 20 ns (any size)"}, seed: &seed{36e-9, "36 ns"},
		what: "Resolve a registered name among n live actors. `hot` resolves the same 1,024 names over and over " +
			"(the registry's own cost); `random` resolves 65,536 names drawn over the whole registry (at a " +
			"million entries they come from memory, not cache). wasmplane `Lookup`, Hollywood " +
			"`Registry.GetPID` (actors spawned with an inbox of 4 instead of 1,024 so a million fit), " +
			"protoactor-go `ProcessRegistry.GetLocal`, ergo `ProcessByName` (processes with a mailbox of 1), " +
			"floor a `sync.Map`.",
	},
	{
		name: "MessageIntoWasm", title: "Message into a Wasm component's handler (64 B)", metric: timeMetric,
		target: &target{150e-9, "≤ 150 ns"},
		what: "One sender, 64-byte messages into `minimal.wasm`'s `wasmplane_receive`, until all are handled " +
			"(wasmplane: Send, then a request as a barrier). The floor copies the kind and payload into the " +
			"guest's buffer and calls the export with `CallWithStack`.",
	},
	{
		name: "SpawnWasm", title: "Spawn a Wasm component (1-page module), then stop it", metric: timeMetric,
		target: &target{3e-6, "≤ 3 µs (wasmtime pooled 3.0 µs, published)"},
		what: "From a compiled `minimal.wasm`: wasmplane `Spawn` (instantiate, hooks, registration) + `Stop`; " +
			"the floor is wazero `InstantiateModule` + `Close` with a shared random source and pooled zeroed " +
			"linear memory (DESIGN.md's \"wazero pooled 1.8 µs\").",
	},
	{
		name: "GoToGuest", title: "Go → guest call", metric: timeMetric,
		what: "wasmplane's path from Go into guest code is a message: an empty one into `minimal.wasm`'s handler " +
			"(as MessageIntoWasm without payload). The floor calls an export with `CallWithStack`; " +
			"`wazero-call` uses the allocating `Call`.",
	},
	{
		name: "GuestToHost", title: "Guest → host call", metric: timeMetric,
		what: "`hostcall.wasm`'s handler calls the `wasmplane.self` import in a loop; ns per call. wasmplane " +
			"serves the import with its host module; the floor with a bare `api.GoModuleFunc` returning a constant.",
	},
	{
		name: "IdleGo", title: "Idle Go component: memory", metric: idleMetric,
		target: &target{1024, "≤ 1 KB (read as 1,024 B)"},
		what: "Heap + stack in use (after two GCs) for 100,000 idle actors, per actor. Each framework's default " +
			"options; the floor is a goroutine parked on a 1-slot channel.",
	},
	{
		name: "IdleWasm", title: "Idle 1-page Wasm component: memory", metric: idleMetric,
		target: &target{70 * 1024, "≤ 70 KB (read as 71,680 B)"},
		what: "Heap + stack in use for 10,000 idle `minimal.wasm` components, per component (one instance is " +
			"made first so that what instances share is not counted). The floor is bare wazero instances.",
	},
}

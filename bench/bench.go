// Package bench compares wasmplane with the Go actor frameworks (Hollywood,
// protoactor-go, ergo) and with the physical floor (plain channels and
// goroutines; bare wazero calls for the Wasm workloads), workload by
// workload, in one run on one machine.
//
// It is its own module so that the peers never enter the main module's
// dependencies. The benchmarks live in the _test.go files; bench/run runs
// them and cmd/report turns the output into docs/performance.md.
//
// # Names
//
// Every benchmark is named Benchmark<Workload>/<system>[/<parameter>], the
// systems being wasmplane, hollywood, protoactor, ergo and floor (wazero
// for the Wasm floor), so that cmd/report can put one workload's systems
// side by side.
package bench

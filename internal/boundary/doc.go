// Package boundary makes synchronous calls between components safe under
// contention: typed interfaces with a canonical encoding, yield tokens with
// timeouts, a wait-for graph that reports deadlocks the moment they form,
// per-pair fallback tiers, a priority-aware run queue, and deferral of
// writes past a resource's commit phase.
//
// # Basics
//
// The actor calls the package on every synchronous request; the order of
// the calls is in docs/boundary.md ("Integration"). Every piece is safe for
// concurrent use unless its comment says otherwise.
//
// # Caveats
//
// The wait-for graph sees only waits that are declared to it; timeouts
// remain the safety net for the rest. An Edge given to Graph.WaitInto may
// be given to it again only once every Done on its wait has returned.
// Decoded []byte values never alias the input. The Registry and Tiers
// keep only their newest events (DefaultMaxEvents unless configured).
package boundary

// Package frame is the timing model of a real-time pipeline: a clock that
// schedules frames at a fixed rate, per-frame stamps at each stage boundary,
// and statistics per stage (quantiles, standard deviation, jitter, missed
// and dropped frames).
//
// # Basics
//
// A Clock runs at Config.Hz with named phases, compute → commit → present
// by default. Each frame carries a token (its sequence number) and these
// stamps:
//
//	queued      Begin, or Run when it starts the frame (due at Scheduled)
//	start, end  Start(phase) and End(phase), for each phase
//	done        Done ("presented" for the default phases)
//
// A producer begins a frame and stamps it; a consumer on another goroutine
// may take it over and finish it:
//
//	f := clock.Begin()          // or Run(ctx, func(f *Frame) {...}) at Hz
//	f.Start("compute"); ...; f.End("compute")
//	ch <- f                     // the consumer now owns f
//	f.Start("commit"); ...; f.End("commit")
//	f.End("present")            // starts at commit's end
//	f.Done()
//
// Run keeps an absolute schedule (frame k is due k/Hz after it started)
// and, when late, starts one frame for the latest slot due and counts the
// skipped slots as dropped: it never bursts. A frame Done more than Budget
// after its slot is missed.
//
// Summary returns, for the whole frame (scheduled → done), the queue wait
// (queued → first phase start), each phase and the interval between frame
// starts: count, mean, population standard deviation and max over every
// frame, and exact p50/p95/p99 (nearest rank) over the last History frames;
// plus jitter, the RMS deviation of start intervals from the period.
// Summary.Format prints it as a table.
//
// # Caveats
//
// A Frame belongs to one goroutine at a time and must not be touched after
// Done or Drop: the Clock reuses it for a later frame, which is how frames
// cost no allocation in the steady state. A frame never finished is never
// reused and shows as InFlight.
//
// Begin, Done, Drop and Summary take one short mutex; Start and End take
// none. Stamps come from Config.Now (the monotonic clock by default, some
// tens of nanoseconds a read), so a frame costs one read per stamp plus the
// bookkeeping (about 0.2µs for three phases; see BenchmarkFrame). Ending a
// phase without starting the next saves a read: End alone starts a phase
// at the previous stamp.
//
// Memory is fixed at NewClock: one time.Duration per History frame for each
// stage, (3 + phases) × History × 8 bytes (480 KB for the defaults).
// Summary allocates a copy of the same size to sort outside the lock.
//
// Run sleeps with a timer, so a frame may start late by the operating
// system's timer slack (tens of microseconds to a millisecond); that shows
// in Jitter and the interval stage, never as drift. Run does not spin.
//
// Unknown phase names and use after Done panic: they are programming
// errors, found by the first frame.
package frame

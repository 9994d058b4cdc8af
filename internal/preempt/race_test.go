//go:build race

package preempt

// raceEnabled thins the spec-corpus differential under -race, where
// compilation is several times slower; the full corpus runs without -race.
const raceEnabled = true

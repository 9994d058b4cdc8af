package preempt

// checkIndices names the items Instrument appends to the module.
type checkIndices struct {
	flag, budget uint32 // globals
	table        uint32 // the yield table
}

// checkCode returns the code inserted at a function's entry and at each of
// its loop headers; counter is the index of the i32 local Instrument adds
// to the function (see Instrument for the listing).
//
// The fast path decrements a counter and compares it with the flag: one
// compare and one never-taken branch serve both the safepoint countdown and
// the interrupt, since Interrupt sets the flag to MaxInt32, which every
// counter is at most. Loops count in the local, which lives in a register,
// so a tight loop gains no dependency through memory (a global decremented
// at every iteration would make each iteration wait for the store of the
// previous one). Calls count in the budget global, the only state that
// outlives a call; the entry check copies it into the local, so that a
// function called often does not start every loop with a fresh count.
//
// The slow path runs every budget checks, or at once after Interrupt. It
// resets both counters, calls out to Go and traps if the flag is set. The
// table.grow of 0 elements is there only for its side effect: wazero's
// compiled code implements it by exiting to Go (callEngine.callWithStack,
// ExitCodeTableGrow, which calls TableInstance.Grow, a function with a
// stack check), and that call is where the Go runtime can stop the
// goroutine for a garbage collection or a stop-the-world. memory.grow exits
// to Go too but needs a memory and locks a shared one; table.grow on a
// private table works in every module.
func checkCode(idx checkIndices, counter uint32, budget int32) (entry, loop []byte) {
	slow := []byte{opIf, typeEmpty, opI32Const}
	slow = appendS32(slow, budget)
	slow = appendU32(append(slow, opLocalTee), counter)
	slow = appendU32(append(slow, opGlobalSet), idx.budget)
	slow = append(slow, opRefNull, typeFuncRef, opI32Const, 0, prefixMisc, miscTableGrow)
	slow = appendU32(slow, idx.table)
	slow = append(slow, opDrop)
	slow = appendU32(append(slow, opGlobalGet), idx.flag)
	slow = append(slow, opIf, typeEmpty, opUnreachable, opEnd, opEnd)

	// counter = budget - 1; budget = counter; if counter <= flag ...
	entry = appendU32([]byte{opGlobalGet}, idx.budget)
	entry = append(entry, opI32Const, 1, opI32Sub, opLocalTee)
	entry = appendU32(entry, counter)
	entry = appendU32(append(entry, opGlobalSet), idx.budget)
	entry = appendU32(append(entry, opLocalGet), counter)
	entry = appendU32(append(entry, opGlobalGet), idx.flag)
	entry = append(append(entry, opI32LeS), slow...)

	// counter = counter - 1; if counter <= flag ...
	loop = appendU32([]byte{opLocalGet}, counter)
	loop = append(loop, opI32Const, 1, opI32Sub, opLocalTee)
	loop = appendU32(loop, counter)
	loop = appendU32(append(loop, opGlobalGet), idx.flag)
	loop = append(append(loop, opI32LeS), slow...)
	return entry, loop
}

// appendS32 appends v as a minimal signed LEB128.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

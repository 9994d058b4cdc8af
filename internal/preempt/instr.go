package preempt

// Opcodes the rewrite needs by name.
const (
	opUnreachable = 0x00
	opBlock       = 0x02
	opLoop        = 0x03
	opIf          = 0x04
	opTry         = 0x06 // legacy exception handling
	opEnd         = 0x0b
	opDelegate    = 0x18 // legacy exception handling: ends a try
	opTryTable    = 0x1f
	opDrop        = 0x1a
	opLocalGet    = 0x20
	opLocalTee    = 0x22
	opGlobalGet   = 0x23
	opGlobalSet   = 0x24
	opI32Const    = 0x41
	opI32LeS      = 0x4c
	opI32Sub      = 0x6b
	opRefNull     = 0xd0
	prefixGC      = 0xfb
	prefixMisc    = 0xfc
	prefixSIMD    = 0xfd
	prefixAtomic  = 0xfe
)

// Sub-opcodes of the 0xFC prefix the rewrite needs by name.
const miscTableGrow = 0x0f

// spaces counts the globals and tables of a module, imported ones included.
type spaces struct {
	globals, tables uint32
}

// allSpaces accepts every index: for constant expressions, which the
// rewrite does not change and which cannot name the appended items (a
// global initialiser sees only the globals before it).
var allSpaces = spaces{globals: ^uint32(0), tables: ^uint32(0)}

// instr decodes one instruction at r, skipping its immediates, and returns
// its first opcode byte. An instruction naming a global or a table past the
// end of have is refused: the input would be invalid, and after the rewrite
// the index could name the flag, the budget or the yield table and make it
// a valid module that uses them.
func (r *reader) instr(have spaces) (byte, error) {
	op, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case op == opBlock, op == opLoop, op == opIf, op == opTry:
		return op, r.blockType()

	case op == opTryTable:
		if err := r.blockType(); err != nil {
			return op, err
		}
		n, err := r.u32()
		if err != nil {
			return op, err
		}
		for i := uint32(0); i < n; i++ {
			kind, err := r.byte()
			if err != nil {
				return op, err
			}
			switch kind {
			case 0x00, 0x01: // catch / catch_ref: tag, label
				if err := r.skipU32s(2); err != nil {
					return op, err
				}
			case 0x02, 0x03: // catch_all / catch_all_ref: label
				if err := r.skipU32s(1); err != nil {
					return op, err
				}
			default:
				r.off--
				return op, r.errorf(ErrMalformed, "unknown try_table catch kind %#x", kind)
			}
		}
		return op, nil

	case op == 0x00, op == 0x01, op == 0x05, op == opEnd, // unreachable nop else end
		op == 0x0a, op == 0x0f, // throw_ref return
		op == 0x19,             // catch_all (legacy)
		op == 0x1a, op == 0x1b, // drop select
		op >= 0x45 && op <= 0xc4,           // numeric, incl. sign extension (0xc0..0xc4)
		op == 0xd1, op == 0xd3, op == 0xd4: // ref.is_null ref.eq ref.as_non_null
		return op, nil

	case op == 0x07, op == 0x08, op == 0x09, op == opDelegate, // catch throw rethrow delegate
		op == 0x0c, op == 0x0d, // br br_if
		op == 0x10, op == 0x12, // call return_call
		op == 0x14, op == 0x15, // call_ref return_call_ref
		op >= 0x20 && op <= 0x22, // local.get/set/tee
		op == 0x3f, op == 0x40,   // memory.size/grow (memory index)
		op == 0xd2,             // ref.func
		op == 0xd5, op == 0xd6: // br_on_null br_on_non_null
		return op, r.skipU32s(1)

	case op == opGlobalGet, op == opGlobalSet:
		return op, r.index("global", have.globals)

	case op == 0x25, op == 0x26: // table.get/set
		return op, r.index("table", have.tables)

	case op == 0x0e: // br_table: vec(label) label
		n, err := r.u32()
		if err != nil {
			return op, err
		}
		return op, r.skipU32s(uint64(n) + 1)

	case op == 0x11, op == 0x13: // call_indirect return_call_indirect: type, table
		if err := r.skipU32s(1); err != nil {
			return op, err
		}
		return op, r.index("table", have.tables)

	case op == 0x1c: // select t*
		n, err := r.u32()
		if err != nil {
			return op, err
		}
		for i := uint32(0); i < n; i++ {
			if err := r.valType(); err != nil {
				return op, err
			}
		}
		return op, nil

	case op >= 0x28 && op <= 0x3e: // loads and stores
		return op, r.memarg()

	case op == 0x41: // i32.const
		return op, r.skipLEB(5)
	case op == 0x42: // i64.const
		return op, r.skipLEB(10)
	case op == 0x43: // f32.const
		return op, r.skip(4)
	case op == 0x44: // f64.const
		return op, r.skip(8)

	case op == 0xd0: // ref.null ht
		_, err := r.heapType()
		return op, err

	case op == prefixMisc:
		return op, r.miscInstr(have.tables)
	case op == prefixSIMD:
		return op, r.simdInstr()
	case op == prefixAtomic:
		return op, r.atomicInstr()
	}
	r.off--
	if op == prefixGC {
		return op, r.errorf(ErrUnsupported, "GC instruction (prefix 0xfb)")
	}
	return op, r.errorf(ErrUnsupported, "unknown opcode %#x", op)
}

// index decodes a u32 index and refuses it unless it is below n.
func (r *reader) index(space string, n uint32) error {
	start := r.off
	idx, err := r.u32()
	if err != nil {
		return err
	}
	if idx >= n {
		r.off = start
		return r.errorf(ErrMalformed, "%s index %d out of range (%d %ss)", space, idx, n, space)
	}
	return nil
}

func (r *reader) skipU32s(n uint64) error {
	for i := uint64(0); i < n; i++ {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}

// memarg skips alignment and offset. Bit 6 of the alignment field announces
// an explicit memory index (multi-memory); the offset is a u64 under
// memory64, so up to 10 bytes are accepted.
func (r *reader) memarg() error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return r.skipLEB(10)
}

// miscInstr decodes the 0xFC prefix: saturating truncation, bulk memory and
// table instructions, refusing table indices >= tables.
func (r *reader) miscInstr(tables uint32) error {
	start := r.off
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 0x07: // i32/i64.trunc_sat_*
		return nil
	case sub == 0x08: // memory.init data mem
		return r.skipU32s(2)
	case sub == 0x09: // data.drop data
		return r.skipU32s(1)
	case sub == 0x0a: // memory.copy mem mem
		return r.skipU32s(2)
	case sub == 0x0b: // memory.fill mem
		return r.skipU32s(1)
	case sub == 0x0c: // table.init elem table
		if err := r.skipU32s(1); err != nil {
			return err
		}
		return r.index("table", tables)
	case sub == 0x0d: // elem.drop elem
		return r.skipU32s(1)
	case sub == 0x0e: // table.copy table table
		if err := r.index("table", tables); err != nil {
			return err
		}
		return r.index("table", tables)
	case sub >= miscTableGrow && sub <= 0x11: // table.grow/size/fill table
		return r.index("table", tables)
	}
	r.off = start - 1
	return r.errorf(ErrUnsupported, "unknown opcode 0xfc %d", sub)
}

// simdUndefined lists the unassigned opcodes in 0xFD 0x00..0xFF.
var simdUndefined = [256]bool{
	0x9a: true, 0xa2: true, 0xa5: true, 0xa6: true, 0xaf: true, 0xb0: true,
	0xb2: true, 0xb3: true, 0xb4: true, 0xbb: true, 0xc2: true, 0xc5: true,
	0xc6: true, 0xcf: true, 0xd0: true, 0xd2: true, 0xd3: true, 0xd4: true,
	0xe2: true, 0xee: true,
}

// simdInstr decodes the 0xFD prefix (fixed-width SIMD and relaxed SIMD).
func (r *reader) simdInstr() error {
	start := r.off
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 0x0b: // v128.load*, load splats, v128.store
		return r.memarg()
	case sub == 0x0c: // v128.const
		return r.skip(16)
	case sub == 0x0d: // i8x16.shuffle: 16 lane indices
		return r.skip(16)
	case sub >= 0x15 && sub <= 0x22: // extract_lane / replace_lane
		return r.skip(1)
	case sub >= 0x54 && sub <= 0x5b: // v128.load*_lane / store*_lane
		if err := r.memarg(); err != nil {
			return err
		}
		return r.skip(1)
	case sub == 0x5c, sub == 0x5d: // v128.load32_zero / load64_zero
		return r.memarg()
	case sub <= 0xff && !simdUndefined[sub]:
		return nil
	case sub >= 0x100 && sub <= 0x113: // relaxed SIMD
		return nil
	}
	r.off = start - 1
	return r.errorf(ErrUnsupported, "unknown opcode 0xfd %d", sub)
}

// atomicInstr decodes the 0xFE prefix (threads).
func (r *reader) atomicInstr() error {
	start := r.off
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 0x02: // memory.atomic.notify / wait32 / wait64
		return r.memarg()
	case sub == 0x03: // atomic.fence: one reserved byte
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c != 0 {
			r.off--
			return r.errorf(ErrMalformed, "atomic.fence: reserved byte %#x, want 0", c)
		}
		return nil
	case sub >= 0x10 && sub <= 0x4e: // atomic loads, stores, rmw, cmpxchg
		return r.memarg()
	}
	r.off = start - 1
	return r.errorf(ErrUnsupported, "unknown opcode 0xfe %d", sub)
}

// expr skips a constant expression (global initialisers) up to and including
// its final end.
func (r *reader) expr(have spaces) error {
	depth := 0
	for {
		op, err := r.instr(have)
		if err != nil {
			return err
		}
		switch op {
		case opBlock, opLoop, opIf, opTry, opTryTable:
			depth++
		case opEnd:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

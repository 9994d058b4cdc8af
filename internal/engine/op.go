package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmplane/wasmplane/internal/boundary"
)

// ErrBadResult: a guest export returned something the host cannot use: a
// packed result outside memory, or a bool other than 0 or 1.
var ErrBadResult = errors.New("guest returned an invalid result")

// opExport is the export of one operation on one instance, resolved and
// checked against the operation's core signature once.
type opExport struct {
	fn     api.Function
	export string
	// stack holds the core params and then the results; an operation's
	// own, so lowering can call the allocator (which uses inst.stack).
	stack  []uint64
	packed bool // one i64 result packing ptr<<32 | len
}

// argBuf is a parameter passed through guest memory.
type argBuf struct {
	slot  int    // its ptr's index in the core params; len follows
	data  []byte // the bytes to write: raw for string/bytes, else canonical
	align uint32 // for cabi_realloc
}

// CallOp calls the typed operation op on the instance: args, the canonical
// encoding of op's parameters (docs/boundary.md, already checked by the
// caller), is lowered onto the export named op.Name (for a proxied module,
// the export LoadProxy bound to it) by the core-Wasm call convention, and
// the export's results are returned in the canonical encoding.
//
// Scalars are passed as core values. String and bytes parameters are
// written raw into guest memory, lists and records as their canonical
// bytes, each passed as (ptr, len); the memory comes from the guest's
// allocator, as for a message (wasmplane_alloc; see LoadProxy for proxied
// modules). All-scalar results come back one to one; otherwise the export
// returns an i64 packing ptr<<32 | len of the results' canonical encoding,
// which is bounds-checked and copied. The host does not check the result
// bytes against op's result types: the caller does.
//
// ctx is checked before anything runs: a call whose caller has given up
// is not started. Once running, the call ends by returning, by trapping,
// at the instance's deadline or by Interrupt, as a message delivery does.
//
// # Errors
//
// A *TrapError if the guest trapped (or ran past its deadline, or was
// killed): the instance must be discarded. Otherwise the instance is
// intact and the error says what was wrong: a *boundary.ModuleError
// (errors.Is boundary.ErrModule) for a missing export or a core signature
// that does not match op, a *boundary.TypeError for args that are not a
// valid encoding, an error naming the allocator when it returned no usable
// buffer, and ErrBadResult for a result the host cannot read.
func (inst *Instance) CallOp(ctx context.Context, op *boundary.Operation, args []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("module %q: op %q: not started: %w", inst.m.name, op.Name, err)
	}
	x, err := inst.opExport(op)
	if err != nil {
		return nil, err
	}
	if err := inst.lowerArgs(op, x, args); err != nil {
		return nil, err
	}
	err = inst.call(x.fn, x.export, x.stack)
	inst.held = nil
	if err != nil {
		return nil, err
	}
	return inst.liftResults(op, x)
}

// opExport resolves and checks op's export on first use.
func (inst *Instance) opExport(op *boundary.Operation) (*opExport, error) {
	if x := inst.ops[op]; x != nil {
		return x, nil
	}
	export := op.Name
	if inst.m.kind == kindProxy {
		e, ok := inst.m.opExports[op.Name]
		if !ok {
			return nil, fmt.Errorf("module %q: op %q: %w: the proxy was not loaded with this operation", inst.m.name, op.Name, ErrNoExport)
		}
		export = e
	}
	fn := inst.mod.ExportedFunction(export)
	var def api.FunctionDefinition
	if fn != nil {
		def = fn.Definition()
	}
	if me := checkOpExport(inst.m.name, op, export, def); me != nil {
		if export != op.Name {
			return nil, fmt.Errorf("export %q: %w", export, me)
		}
		return nil, me
	}
	ps, rs := op.CoreSignature()
	x := &opExport{fn: fn, export: export, stack: make([]uint64, max(len(ps), len(rs), 1)),
		packed: len(rs) == 1 && rs[0].Part == "packed"}
	if inst.ops == nil {
		inst.ops = make(map[*boundary.Operation]*opExport)
	}
	inst.ops[op] = x
	return x, nil
}

// checkOpExport compares an export (nil: none) with op's core signature.
// A mismatch is reported by the registry's own module check, so it reads
// like the load-time check: every slot, named, expected and actual.
func checkOpExport(module string, op *boundary.Operation, export string, def api.FunctionDefinition) *boundary.ModuleError {
	ps, rs := op.CoreSignature()
	if def != nil && sameCore(ps, def.ParamTypes()) && sameCore(rs, def.ResultTypes()) {
		return nil
	}
	var actual []boundary.FuncSig
	if def != nil {
		sig := boundary.FuncSig{Name: op.Name}
		for _, t := range def.ParamTypes() {
			sig.Params = append(sig.Params, boundary.ValueType(t))
		}
		for _, t := range def.ResultTypes() {
			sig.Results = append(sig.Results, boundary.ValueType(t))
		}
		actual = []boundary.FuncSig{sig}
	}
	r := boundary.NewRegistry(boundary.RegistryOptions{})
	err := r.Define(boundary.Interface{Name: op.Iface, Ops: []boundary.Op{op.Decl}})
	if err == nil {
		err = r.CheckModule(module, []string{op.Iface}, actual)
	}
	var me *boundary.ModuleError
	if errors.As(err, &me) {
		return me
	}
	// Unreachable for an operation from a registry; say so rather than
	// call an export of the wrong shape.
	return &boundary.ModuleError{Component: module, Mismatches: []boundary.Mismatch{{Op: op.Name,
		Expected: "an export matching the operation", Actual: fmt.Sprintf("export %q (%v)", export, err)}}}
}

func sameCore(want []boundary.CoreSlot, have []api.ValueType) bool {
	if len(want) != len(have) {
		return false
	}
	for i, s := range want {
		if api.ValueType(s.Type) != have[i] {
			return false
		}
	}
	return true
}

// lowerArgs puts args on x.stack, writing buffers into guest memory.
func (inst *Instance) lowerArgs(op *boundary.Operation, x *opExport, args []byte) error {
	var small [8]argBuf
	bufs := small[:0]
	s := x.stack
	off, si := 0, 0
	for _, p := range op.Decl.Params {
		t := p.Type
		rest := args[off:]
		switch t.Kind {
		case boundary.KindI32, boundary.KindF32:
			if len(rest) < 4 {
				return shortArg(op, p, 4, len(rest), off)
			}
			s[si] = uint64(binary.LittleEndian.Uint32(rest))
			off, si = off+4, si+1
		case boundary.KindI64, boundary.KindF64:
			if len(rest) < 8 {
				return shortArg(op, p, 8, len(rest), off)
			}
			s[si] = binary.LittleEndian.Uint64(rest)
			off, si = off+8, si+1
		case boundary.KindBool:
			if len(rest) < 1 {
				return shortArg(op, p, 1, len(rest), off)
			}
			if rest[0] > 1 {
				return &boundary.TypeError{Op: op.Name, Param: p.Name, Expected: "bool (0 or 1)", Got: "byte " + strconv.Itoa(int(rest[0])), Offset: off}
			}
			s[si] = uint64(rest[0])
			off, si = off+1, si+1
		case boundary.KindString, boundary.KindBytes:
			if len(rest) < 4 {
				return shortArg(op, p, 4, len(rest), off)
			}
			n := binary.LittleEndian.Uint32(rest)
			if uint64(n) > uint64(len(rest)-4) {
				return shortArg(op, p, 4+uint64(n), len(rest), off)
			}
			bufs = append(bufs, argBuf{slot: si, data: rest[4 : 4+n], align: 1})
			off, si = off+4+int(n), si+2
		default:
			n, ok := encodedLen(t, rest)
			if !ok {
				return &boundary.TypeError{Op: op.Name, Param: p.Name, Expected: t.String(), Got: "a truncated encoding", Offset: off}
			}
			bufs = append(bufs, argBuf{slot: si, data: rest[:n], align: 8})
			off, si = off+n, si+2
		}
	}
	if off != len(args) {
		return &boundary.TypeError{Op: op.Name, Expected: "end of input", Got: strconv.Itoa(len(args)-off) + " trailing bytes", Offset: off}
	}
	if len(bufs) == 0 {
		return nil
	}
	if inst.m.realloc {
		return inst.placeRealloc(op, bufs, s)
	}
	return inst.placeShared(op, bufs, s)
}

func shortArg(op *boundary.Operation, p boundary.Param, need uint64, left, off int) error {
	return &boundary.TypeError{Op: op.Name, Param: p.Name, Expected: fmt.Sprintf("%s (%d bytes)", p.Type, need),
		Got: strconv.Itoa(left) + " bytes left", Offset: off}
}

// placeShared lays the buffers out, 8-byte aligned, in the one region
// the host holds from the allocator, growing it as a delivery does.
func (inst *Instance) placeShared(op *boundary.Operation, bufs []argBuf, s []uint64) error {
	var need uint64
	for _, b := range bufs {
		need = (need+7)&^7 + uint64(len(b.data))
	}
	if need > 1<<31 {
		return fmt.Errorf("module %q: op %q: arguments of %d bytes cannot fit a 32-bit memory", inst.m.name, op.Name, need)
	}
	if uint32(need) > inst.bufN {
		if err := inst.grow(uint32(need)); err != nil {
			return err
		}
	}
	region, ok := inst.mod.Memory().Read(inst.buf, uint32(need))
	if !ok {
		return fmt.Errorf("module %q: the buffer from %s at %d+%d is no longer inside memory", inst.m.name, inst.m.allocExport(), inst.buf, need)
	}
	var at uint64
	for _, b := range bufs {
		at = (at + 7) &^ 7
		copy(region[at:], b.data)
		s[b.slot], s[b.slot+1] = uint64(inst.buf)+at, uint64(len(b.data))
		at += uint64(len(b.data))
	}
	return nil
}

// liftResults encodes the export's results canonically.
func (inst *Instance) liftResults(op *boundary.Operation, x *opExport) ([]byte, error) {
	if x.packed {
		ptr, n := uint32(x.stack[0]>>32), uint32(x.stack[0])
		mem := inst.mod.Memory()
		var b []byte
		ok := mem != nil
		if ok {
			b, ok = mem.Read(ptr, n)
		}
		if !ok {
			size := uint32(0)
			if mem != nil {
				size = mem.Size()
			}
			return nil, fmt.Errorf("module %q: op %q: export %q returned results at %d+%d, outside memory of %d bytes: %w",
				inst.m.name, op.Name, x.export, ptr, n, size, ErrBadResult)
		}
		return slices.Clone(b), nil
	}
	var out []byte
	for i, p := range op.Decl.Results {
		v := x.stack[i]
		switch p.Type.Kind {
		case boundary.KindI32, boundary.KindF32:
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		case boundary.KindI64, boundary.KindF64:
			out = binary.LittleEndian.AppendUint64(out, v)
		case boundary.KindBool:
			if uint32(v) > 1 {
				return nil, fmt.Errorf("module %q: op %q: export %q returned %d for bool result %q, want 0 or 1: %w",
					inst.m.name, op.Name, x.export, uint32(v), p.Name, ErrBadResult)
			}
			out = append(out, byte(v))
		}
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// encodedLen is the length of the canonical encoding of one value of type
// t at the start of b, or false if b is too short. It checks lengths
// only: the caller validated the values.
func encodedLen(t *boundary.Type, b []byte) (int, bool) {
	if n, ok := fixedLen(t); ok {
		return n, n <= len(b)
	}
	switch t.Kind {
	case boundary.KindString, boundary.KindBytes:
		if len(b) < 4 {
			return 0, false
		}
		n := uint64(binary.LittleEndian.Uint32(b))
		return 4 + int(n), n <= uint64(len(b)-4)
	case boundary.KindList:
		if len(b) < 4 {
			return 0, false
		}
		count := uint64(binary.LittleEndian.Uint32(b))
		if size, ok := fixedLen(t.Elem); ok {
			total := count * uint64(size) // < 2^32 * 2^32 per level: no overflow for sane types
			if size > 0 && total/uint64(size) != count || total > uint64(len(b)-4) {
				return 0, false
			}
			return 4 + int(total), true
		}
		off := 4
		for range count {
			n, ok := encodedLen(t.Elem, b[off:])
			if !ok {
				return 0, false
			}
			off += n
		}
		return off, true
	case boundary.KindRecord:
		off := 0
		for _, f := range t.Fields {
			n, ok := encodedLen(f.Type, b[off:])
			if !ok {
				return 0, false
			}
			off += n
		}
		return off, true
	}
	return 0, false
}

// fixedLen is the encoded size of a type whose values all encode to the
// same number of bytes (scalars and records of them).
func fixedLen(t *boundary.Type) (int, bool) {
	switch t.Kind {
	case boundary.KindI32, boundary.KindF32:
		return 4, true
	case boundary.KindI64, boundary.KindF64:
		return 8, true
	case boundary.KindBool:
		return 1, true
	case boundary.KindRecord:
		n := 0
		for _, f := range t.Fields {
			m, ok := fixedLen(f.Type)
			if !ok {
				return 0, false
			}
			n += m
		}
		return n, true
	}
	return 0, false
}

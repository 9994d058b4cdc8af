package engine

import (
	"context"
	"encoding/binary"
	"slices"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Host is what a guest's imports act on: the component the instance runs
// as. Byte slices passed to it alias guest memory and are valid only
// during the call; an implementation copies what it keeps.
type Host interface {
	Send(to uint64, kind, data []byte) Status
	// Request blocks until the reply, the timeout, or ctx is done (the
	// running call's deadline, or a kill of the instance).
	Request(ctx context.Context, to uint64, kind, data []byte, timeout time.Duration) ([]byte, Status)
	Reply(corr uint64, data []byte) Status
	Publish(topic, data []byte) Status
	Subscribe(topic []byte) Status
	Unsubscribe(topic []byte) Status
	// Log gets a level of 0 (debug) to 3 (error), already checked.
	Log(level int32, msg []byte)
	Self() uint64
	Lookup(name []byte) (uint64, Status)
	// Now is monotonic nanoseconds since the system started.
	Now() int64
	// Call makes a typed call of the operation op (its full name,
	// "iface.op") on to, with args the canonical encoding of its
	// parameters (docs/boundary.md), and blocks like Request. The result is
	// the canonical encoding of the operation's results.
	Call(ctx context.Context, to uint64, op, args []byte, timeout time.Duration) ([]byte, Status)
	// Progress reports that the component, handling a typed call in
	// batch-yield mode, is making progress.
	Progress() Status
}

// MaxLogLine bounds a guest log line; longer lines are truncated.
const MaxLogLine = 64 << 10

// DefaultGuestRequestTimeout applies when a guest passes timeout_ms ≤ 0.
const DefaultGuestRequestTimeout = 5 * time.Second

type hostFunc struct {
	name   string
	sig    signature
	params []string
	fn     api.GoModuleFunc
}

var hostFuncs = []hostFunc{
	{"send", signature{[]api.ValueType{i64, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"to", "kind_ptr", "kind_len", "data_ptr", "data_len"}, hostSend},
	{"request", signature{[]api.ValueType{i64, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"to", "kind_ptr", "kind_len", "data_ptr", "data_len", "timeout_ms", "out_ptr", "out_cap", "out_len_ptr"}, hostRequest},
	{"reply_take", signature{[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
		[]string{"out_ptr", "out_cap", "out_len_ptr"}, hostReplyTake},
	{"reply", signature{[]api.ValueType{i64, i32, i32}, []api.ValueType{i32}},
		[]string{"corr", "data_ptr", "data_len"}, hostReply},
	{"publish", signature{[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"topic_ptr", "topic_len", "data_ptr", "data_len"}, hostPublish},
	{"subscribe", signature{[]api.ValueType{i32, i32}, []api.ValueType{i32}},
		[]string{"topic_ptr", "topic_len"}, hostSubscribe},
	{"unsubscribe", signature{[]api.ValueType{i32, i32}, []api.ValueType{i32}},
		[]string{"topic_ptr", "topic_len"}, hostUnsubscribe},
	{"log", signature{[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
		[]string{"level", "msg_ptr", "msg_len"}, hostLog},
	{"self", signature{nil, []api.ValueType{i64}}, nil, hostSelf},
	{"lookup", signature{[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
		[]string{"name_ptr", "name_len", "out_pid_ptr"}, hostLookup},
	{"now", signature{nil, []api.ValueType{i64}}, nil, hostNow},
	{"call", signature{[]api.ValueType{i64, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		[]string{"to", "op_ptr", "op_len", "args_ptr", "args_len", "timeout_ms", "out_ptr", "out_cap", "out_len_ptr"}, hostCall},
	{"progress", signature{nil, []api.ValueType{i32}}, nil, hostProgress},
}

var hostSignatures = func() map[string]signature {
	m := make(map[string]signature, len(hostFuncs)+len(shmFuncs))
	for _, f := range append(slices.Clone(hostFuncs), shmFuncs...) {
		m[f.name] = f.sig
	}
	return m
}()

func hostNames() []string {
	var n []string
	for _, f := range hostFuncs {
		n = append(n, f.name)
	}
	slices.Sort(n)
	return n
}

// HostFunctions lists the names of the host imports of ABI v1.
func HostFunctions() []string { return hostNames() }

func buildHostModule(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(HostModule)
	for _, f := range append(slices.Clone(hostFuncs), shmFuncs...) {
		b.NewFunctionBuilder().WithGoModuleFunction(f.fn, f.sig.params, f.sig.results).
			WithParameterNames(f.params...).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

type instanceKey struct{}

// hostOf finds the Host for the calling instance. Calls made outside a
// delivery (there are none in ABI v1, but a guest may call imports from
// _initialize) get nil.
func hostOf(ctx context.Context) (*Instance, Host) {
	inst, _ := ctx.Value(instanceKey{}).(*Instance)
	if inst == nil || inst.host == nil {
		return inst, nil
	}
	return inst, inst.host
}

// view returns the guest buffer (ptr, len) from raw stack words, or false
// if any byte of it is outside memory. The sum is taken in 64 bits, so
// ptr+len past 2^32 fails too.
func view(mod api.Module, ptr, n uint64) ([]byte, bool) {
	p, l := uint32(ptr), uint32(n)
	if l == 0 {
		return nil, true
	}
	mem := mod.Memory()
	if mem == nil {
		return nil, false
	}
	return mem.Read(p, l)
}

func ret(stack []uint64, s Status) { stack[0] = api.EncodeI32(int32(s)) }

func hostSend(ctx context.Context, mod api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	kind, ok1 := view(mod, stack[1], stack[2])
	data, ok2 := view(mod, stack[3], stack[4])
	if !ok1 || !ok2 {
		ret(stack, ErrBadPointer)
		return
	}
	ret(stack, h.Send(stack[0], kind, data))
}

func hostRequest(ctx context.Context, mod api.Module, stack []uint64) {
	blockingCall(ctx, mod, stack, Host.Request)
}

func hostCall(ctx context.Context, mod api.Module, stack []uint64) {
	blockingCall(ctx, mod, stack, func(h Host, ctx context.Context, to uint64, op, args []byte, timeout time.Duration) ([]byte, Status) {
		if len(op) == 0 || len(op) > maxOpName {
			return nil, ErrInvalidArg
		}
		return h.Call(ctx, to, op, args, timeout)
	})
}

// maxOpName bounds an operation's name, like a kind (docs/abi.md).
const maxOpName = 1024

// blockingCall runs request or call: (to, a_ptr, a_len, b_ptr, b_len,
// timeout_ms, out_ptr, out_cap, out_len_ptr). Every buffer is checked
// before f runs; the answer is copied out, or held for reply_take.
func blockingCall(ctx context.Context, mod api.Module, stack []uint64,
	f func(h Host, ctx context.Context, to uint64, a, b []byte, timeout time.Duration) ([]byte, Status)) {
	inst, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	to, timeoutMS := stack[0], int32(stack[5])
	outPtr, outCap, lenPtr := uint32(stack[6]), uint32(stack[7]), stack[8]
	a, ok1 := view(mod, stack[1], stack[2])
	b, ok2 := view(mod, stack[3], stack[4])
	_, ok3 := view(mod, uint64(outPtr), uint64(outCap))
	_, ok4 := view(mod, lenPtr, 4)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		ret(stack, ErrBadPointer)
		return
	}
	timeout := DefaultGuestRequestTimeout
	if timeoutMS > 0 {
		timeout = time.Duration(timeoutMS) * time.Millisecond
	}
	inst.held = nil
	wctx, cancel := inst.waitContext()
	reply, st := f(h, wctx, to, a, b, timeout)
	cancel()
	if st != OK {
		ret(stack, st)
		return
	}
	ret(stack, inst.copyReply(mod, reply, outPtr, outCap, uint32(lenPtr)))
}

// copyReply writes reply to the guest, or holds it for reply_take when it
// does not fit.
func (inst *Instance) copyReply(mod api.Module, reply []byte, outPtr, outCap, lenPtr uint32) Status {
	// Memory may have moved while the request blocked: take fresh views.
	lenBuf, ok := view(mod, uint64(lenPtr), 4)
	if !ok {
		return ErrBadPointer
	}
	binary.LittleEndian.PutUint32(lenBuf, uint32(len(reply)))
	if uint64(len(reply)) > uint64(outCap) {
		inst.held = reply
		if inst.held == nil {
			inst.held = []byte{}
		}
		return ErrBufferTooSmall
	}
	out, ok := view(mod, uint64(outPtr), uint64(len(reply)))
	if !ok {
		return ErrBadPointer
	}
	copy(out, reply)
	inst.held = nil
	return OK
}

func hostReplyTake(ctx context.Context, mod api.Module, stack []uint64) {
	inst, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	outPtr, outCap, lenPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	_, ok1 := view(mod, uint64(outPtr), uint64(outCap))
	_, ok2 := view(mod, uint64(lenPtr), 4)
	if !ok1 || !ok2 {
		ret(stack, ErrBadPointer)
		return
	}
	if inst.held == nil {
		ret(stack, ErrNotFound)
		return
	}
	ret(stack, inst.copyReply(mod, inst.held, outPtr, outCap, lenPtr))
}

func hostReply(ctx context.Context, mod api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	data, ok := view(mod, stack[1], stack[2])
	if !ok {
		ret(stack, ErrBadPointer)
		return
	}
	ret(stack, h.Reply(stack[0], data))
}

func hostPublish(ctx context.Context, mod api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	topic, ok1 := view(mod, stack[0], stack[1])
	data, ok2 := view(mod, stack[2], stack[3])
	if !ok1 || !ok2 {
		ret(stack, ErrBadPointer)
		return
	}
	ret(stack, h.Publish(topic, data))
}

func hostSubscribe(ctx context.Context, mod api.Module, stack []uint64) {
	topicCall(ctx, mod, stack, Host.Subscribe)
}

func hostUnsubscribe(ctx context.Context, mod api.Module, stack []uint64) {
	topicCall(ctx, mod, stack, Host.Unsubscribe)
}

// topicCall checks the (topic_ptr, topic_len) buffer and passes it to f.
func topicCall(ctx context.Context, mod api.Module, stack []uint64, f func(Host, []byte) Status) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	topic, ok := view(mod, stack[0], stack[1])
	if !ok {
		ret(stack, ErrBadPointer)
		return
	}
	ret(stack, f(h, topic))
}

func hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	level := int32(stack[0])
	msg, ok := view(mod, stack[1], stack[2])
	if !ok {
		ret(stack, ErrBadPointer)
		return
	}
	if level < 0 || level > 3 {
		ret(stack, ErrInvalidArg)
		return
	}
	if len(msg) > MaxLogLine {
		msg = msg[:MaxLogLine]
	}
	h.Log(level, msg)
	ret(stack, OK)
}

func hostSelf(ctx context.Context, _ api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		stack[0] = 0
		return
	}
	stack[0] = h.Self()
}

func hostLookup(ctx context.Context, mod api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	name, ok1 := view(mod, stack[0], stack[1])
	_, ok2 := view(mod, stack[2], 8)
	if !ok1 || !ok2 {
		ret(stack, ErrBadPointer)
		return
	}
	if len(name) == 0 || len(name) > 256 {
		ret(stack, ErrInvalidArg)
		return
	}
	pid, st := h.Lookup(name)
	if st == OK {
		out, ok := view(mod, stack[2], 8) // fresh view: nothing grows during Lookup, but stay uniform
		if !ok {
			ret(stack, ErrBadPointer)
			return
		}
		binary.LittleEndian.PutUint64(out, pid)
	}
	ret(stack, st)
}

func hostNow(ctx context.Context, _ api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		stack[0] = 0
		return
	}
	stack[0] = uint64(h.Now())
}

func hostProgress(ctx context.Context, _ api.Module, stack []uint64) {
	_, h := hostOf(ctx)
	if h == nil {
		ret(stack, ErrStopping)
		return
	}
	ret(stack, h.Progress())
}

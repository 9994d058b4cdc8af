//go:build wasip1

package guest

import (
	"time"
	"unsafe"
)

// replyBuf receives Request replies. It is reused (the reply is copied out)
// and grows to fit replies up to maxReplyBuf; larger ones are taken with
// reply_take into a buffer of their own.
var replyBuf []byte

const (
	initReplyBuf = 4 << 10
	maxReplyBuf  = 64 << 10
)

func sysSend(to PID, kind string, data []byte) error {
	kp, kl := strPtr(kind)
	dp, dl := bytesPtr(data)
	return statusErr("send", hostSend(uint64(to), kp, kl, dp, dl))
}

func sysRequest(to PID, kind string, data []byte, timeoutMS int32) ([]byte, error) {
	kp, kl := strPtr(kind)
	dp, dl := bytesPtr(data)
	return blockingCall("request", func(out unsafe.Pointer, outCap uint32, n *uint32) int32 {
		return hostRequest(uint64(to), kp, kl, dp, dl, timeoutMS, out, outCap, unsafePtr(n))
	})
}

func sysCall(to PID, op string, args []byte, timeoutMS int32) ([]byte, error) {
	np, nl := strPtr(op)
	ap, al := bytesPtr(args)
	return blockingCall("call", func(out unsafe.Pointer, outCap uint32, n *uint32) int32 {
		return hostCall(uint64(to), np, nl, ap, al, timeoutMS, out, outCap, unsafePtr(n))
	})
}

// blockingCall runs request or call with replyBuf as the out buffer and
// returns a copy of the answer, taking it with reply_take when it is
// larger than the buffer.
func blockingCall(what string, f func(out unsafe.Pointer, outCap uint32, n *uint32) int32) ([]byte, error) {
	if replyBuf == nil {
		replyBuf = make([]byte, initReplyBuf)
	}
	var n uint32
	op, oc := bytesPtr(replyBuf)
	st := f(op, oc, &n)
	switch st {
	case 0:
		return append([]byte(nil), replyBuf[:n]...), nil
	case -8: // ERR_BUFFER_TOO_SMALL: n is the answer's length; it is held.
		out := make([]byte, n)
		op, oc := bytesPtr(out)
		if st := hostReplyTake(op, oc, unsafePtr(&n)); st != 0 {
			return nil, statusErr(what+": reply_take", st)
		}
		if n <= maxReplyBuf {
			replyBuf = make([]byte, n)
		}
		return out[:n], nil
	default:
		return nil, statusErr(what, st)
	}
}

func sysProgress() error { return statusErr("progress", hostProgress()) }

func sysReply(corr uint64, data []byte) error {
	dp, dl := bytesPtr(data)
	return statusErr("reply", hostReply(corr, dp, dl))
}

func sysPublish(topic string, data []byte) error {
	tp, tl := strPtr(topic)
	dp, dl := bytesPtr(data)
	return statusErr("publish", hostPublish(tp, tl, dp, dl))
}

func sysSubscribe(topic string) error {
	tp, tl := strPtr(topic)
	return statusErr("subscribe", hostSubscribe(tp, tl))
}

func sysUnsubscribe(topic string) error {
	tp, tl := strPtr(topic)
	return statusErr("unsubscribe", hostUnsubscribe(tp, tl))
}

func sysLookup(name string) (PID, error) {
	var pid uint64
	np, nl := strPtr(name)
	if err := statusErr("lookup", hostLookup(np, nl, unsafePtr64(&pid))); err != nil {
		return 0, err
	}
	return PID(pid), nil
}

func sysSelf() PID { return PID(hostSelf()) }

func sysNow() time.Duration { return time.Duration(hostNow()) }

func sysLog(level Level, msg string) {
	mp, ml := strPtr(msg)
	// The only failure is an invalid level; a logger has nowhere to report it.
	_ = hostLog(int32(level), mp, ml)
}

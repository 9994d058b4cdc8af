package engine

// Status is the i32 a host import returns to a guest (docs/abi.md).
type Status int32

// Status codes of guest ABI v1.
const (
	OK                Status = 0
	ErrBadPointer     Status = -1
	ErrInvalidArg     Status = -2
	ErrNotFound       Status = -3
	ErrDeadPID        Status = -4
	ErrMailboxFull    Status = -5
	ErrTimeout        Status = -6
	ErrTooLarge       Status = -7
	ErrBufferTooSmall Status = -8
	ErrStopping       Status = -9
	ErrRemote         Status = -10
	ErrDeadlock       Status = -11
	// ErrType: a typed call's arguments or results do not match the
	// operation's declared types (for arguments, the callee was not
	// invoked).
	ErrType Status = -12
	// ErrContention: the callee's yield token was not free in time.
	ErrContention Status = -13
)

var statusNames = map[Status]string{
	OK: "OK", ErrBadPointer: "ERR_BAD_POINTER", ErrInvalidArg: "ERR_INVALID_ARGUMENT",
	ErrNotFound: "ERR_NOT_FOUND", ErrDeadPID: "ERR_DEAD_PID", ErrMailboxFull: "ERR_MAILBOX_FULL",
	ErrTimeout: "ERR_TIMEOUT", ErrTooLarge: "ERR_TOO_LARGE", ErrBufferTooSmall: "ERR_BUFFER_TOO_SMALL",
	ErrStopping: "ERR_STOPPING", ErrRemote: "ERR_REMOTE", ErrDeadlock: "ERR_DEADLOCK",
	ErrType: "ERR_TYPE", ErrContention: "ERR_CONTENTION",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "STATUS(" + itoa(int(s)) + ")"
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

package component

import (
	"errors"

	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/internal/engine"
)

// statusOf maps a system error to the ABI status a guest sees.
func statusOf(err error) engine.Status {
	var re *actor.RemoteError
	switch {
	case err == nil:
		return engine.OK
	case errors.Is(err, boundary.ErrDeadlock):
		return engine.ErrDeadlock
	case errors.Is(err, boundary.ErrType):
		return engine.ErrType
	case errors.Is(err, boundary.ErrContention):
		return engine.ErrContention
	case errors.Is(err, boundary.ErrUnknownOp):
		return engine.ErrNotFound
	case errors.As(err, &re):
		return engine.ErrRemote
	case errors.Is(err, actor.ErrTimeout):
		return engine.ErrTimeout
	case errors.Is(err, actor.ErrDeadPID):
		return engine.ErrDeadPID
	case errors.Is(err, actor.ErrMailboxFull):
		return engine.ErrMailboxFull
	case errors.Is(err, actor.ErrTooLarge):
		return engine.ErrTooLarge
	case errors.Is(err, actor.ErrInvalid):
		return engine.ErrInvalidArg
	case errors.Is(err, actor.ErrNotFound):
		return engine.ErrNotFound
	case errors.Is(err, actor.ErrStopping):
		return engine.ErrStopping
	}
	return engine.ErrRemote
}

package wasmplane

import (
	"github.com/wasmplane/wasmplane/internal/actor"
	"github.com/wasmplane/wasmplane/internal/boundary"
)

// PID identifies one incarnation of a component: {node, index, generation}
// in 64 bits, the layout guests see (docs/abi.md).
type PID = actor.PID

// Message is what a component receives.
type Message = actor.Message

// Flags say how a message was sent.
type Flags = actor.Flags

// Message flags.
const (
	FlagRequest   = actor.FlagRequest
	FlagPublished = actor.FlagPublished
)

// Context is a component's handle on the system, passed to its hooks and
// handler.
type Context = actor.Context

// Component is the contract for Go and Wasm components alike: PreStart,
// PostStart, Receive per message, PreStop, PostStop, one call at a time.
type Component = actor.Component

// Hooks provides no-op lifecycle hooks to embed.
type Hooks = actor.Hooks

// ReceiveFunc adapts a function to a Component with no-op hooks.
type ReceiveFunc = actor.ReceiveFunc

// Factory makes a fresh component instance, at spawn and at each restart.
type Factory = actor.Factory

// SpawnOptions configure one component: name, mailbox, config, links,
// subscriptions.
type SpawnOptions = actor.SpawnOptions

// MailboxConfig bounds a mailbox; the zero value is 1024 messages, block
// for up to 1 s.
type MailboxConfig = actor.MailboxConfig

// Overflow is what a full mailbox does with a new message.
type Overflow = actor.Overflow

// Overflow policies.
const (
	OverflowBlock = actor.OverflowBlock
	OverflowDrop  = actor.OverflowDrop
	OverflowFail  = actor.OverflowFail
)

// Event is a lifecycle change or a dead letter.
type Event = actor.Event

// EventType says what happened.
type EventType = actor.EventType

// Event types.
const (
	EventSpawned      = actor.EventSpawned
	EventStarted      = actor.EventStarted
	EventStopped      = actor.EventStopped
	EventFailed       = actor.EventFailed
	EventRestarted    = actor.EventRestarted
	EventDeadLetter   = actor.EventDeadLetter
	EventHandlerError = actor.EventHandlerError
)

// Stats is a snapshot of one component's counters.
type Stats = actor.Stats

// CrashPolicy decides what happens after a crash of a component that no
// supervision tree watches; see Config.CrashPolicy. Supervision trees
// (StartSupervisor) replace it for their children.
type CrashPolicy = actor.Supervisor

// Directive is a CrashPolicy's answer.
type Directive = actor.Directive

// Directives.
const (
	Restart = actor.Restart
	Stop    = actor.Stop
)

// Errors. Match with errors.Is; the returned errors wrap them with what and
// where.
var (
	ErrDeadPID     = actor.ErrDeadPID
	ErrMailboxFull = actor.ErrMailboxFull
	ErrTimeout     = actor.ErrTimeout
	ErrNotFound    = actor.ErrNotFound
	ErrNameTaken   = actor.ErrNameTaken
	ErrStopping    = actor.ErrStopping
	ErrNoReply     = actor.ErrNoReply
	ErrTooLarge    = actor.ErrTooLarge
	ErrInvalid     = actor.ErrInvalid
	ErrTableFull   = actor.ErrTableFull
)

// RemoteError is what a requester gets when the target failed to answer.
type RemoteError = actor.RemoteError

// CrashError is a panic or a trap: the instance is discarded.
type CrashError = actor.CrashError

// HookError names the lifecycle hook that failed.
type HookError = actor.HookError

// DefaultMaxMessageSize is the payload limit when Config leaves it zero.
const DefaultMaxMessageSize = actor.DefaultMaxMessageSize

// DeadlockError is a synchronous request that would have closed a cycle of
// components waiting on each other: it fails at once, naming every member
// of the cycle and the operation each waits on, instead of every member
// waiting out its timeout. errors.Is(err, ErrDeadlock) holds.
type DeadlockError = boundary.DeadlockError

// ErrDeadlock matches a *DeadlockError.
var ErrDeadlock = boundary.ErrDeadlock

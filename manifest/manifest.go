package manifest

import (
	"encoding/json"
	"path/filepath"
	"time"
)

// FileName is the name [Load] looks for when given a directory.
const FileName = "wasmplane.json"

// Version is the manifest format version this package reads; a manifest's
// "version" must equal it.
const Version = 1

// Component kinds.
const (
	// KindWasm is a wasmplane guest module (see docs/abi.md).
	KindWasm = "wasm"
	// KindGo is a Go component created by a factory registered with the
	// host under the component's factory name.
	KindGo = "go"
	// KindWASICommand is a plain WASI program: each message runs it once,
	// with the payload on stdin and the reply read from stdout.
	KindWASICommand = "wasi-command"
)

// Mailbox overflow policies: what a full mailbox does with a new message.
const (
	// OverflowBlock makes the sender wait for room, up to BlockTimeout.
	OverflowBlock = "block"
	// OverflowDrop drops the new message as a dead letter.
	OverflowDrop = "drop"
	// OverflowFail refuses the new message at once with an error to the
	// sender.
	OverflowFail = "fail"
)

// Defaults for fields a manifest leaves out.
const (
	DefaultMaxMessageSize  = 1 << 20 // bytes
	DefaultRequestTimeout  = 5 * time.Second
	DefaultLogLevel        = "info"
	DefaultInstances       = 1
	DefaultMailboxCapacity = 1024
	DefaultOverflow        = OverflowBlock
	DefaultBlockTimeout    = time.Second // only with OverflowBlock
)

// Manifest describes an app: its system settings and its components.
//
// A manifest returned by [Parse] or [Load] has passed [Manifest.Validate] and
// has its defaults applied.
type Manifest struct {
	// Version is the format version; always [Version].
	Version int
	// Name is the app's name; optional.
	Name string
	// System holds settings for the whole app.
	System System
	// Components are the app's components, in manifest order.
	Components []Component

	// Supervision is the root supervisor (nil when absent: every component
	// is then a permanent child of a default root).
	Supervision *Supervision

	// Regions are the app's shared-memory regions (docs/shm.md), in
	// manifest order; nil when absent.
	Regions []Region

	// Interfaces are the typed interfaces components export and import.
	Interfaces []Interface

	// Boundary holds the settings of synchronous calls between components:
	// yield-token timeouts and fallback tiers (docs/boundary.md).
	Boundary Boundary

	// Reserved sections, kept as written (any JSON value) for later
	// features; nil when absent.
	Jobs, Cluster json.RawMessage

	// File is the path the manifest was read from, as given to Load or
	// Parse; "" if parsed from bytes without a name.
	File string
	// Dir is the directory relative paths (module, source, preopen hosts)
	// are resolved against: the manifest file's directory, absolute after
	// Load.
	Dir string
}

// System holds app-wide settings.
type System struct {
	// MaxMessageSize bounds a message's payload in bytes (default 1 MiB).
	MaxMessageSize int
	// RequestTimeout is the default time a request waits for its reply
	// (default 5s).
	RequestTimeout time.Duration
	// CacheDir is where compiled modules are cached; "" means the default.
	CacheDir string
	// LogLevel is debug, info, warn or error (default info).
	LogLevel string
	// Priorities turns on priority scheduling: components' messages are
	// handled in order of their priority when the cores are saturated
	// (default false; docs/boundary.md, "Priorities").
	Priorities bool
}

// Component is one component of the app.
type Component struct {
	// Name identifies the component; unique in the manifest, it matches
	// ^[A-Za-z][A-Za-z0-9_.-]{0,63}$.
	Name string
	// Kind is [KindWasm], [KindGo] or [KindWASICommand].
	Kind string
	// Module is the path of the .wasm file, relative to the manifest's
	// directory (see [Manifest.Resolve]). Wasm kinds only; exclusive with
	// Source.
	Module string
	// Source is a Go guest source directory that the CLI builds into the
	// module, relative to the manifest's directory. Wasm kinds only;
	// exclusive with Module.
	Source string
	// Factory names the registered Go factory that creates the component.
	// Required for KindGo, not allowed otherwise.
	Factory string
	// Instances is how many instances serve the component (1 to 1024,
	// default 1).
	Instances int
	// Limits bounds the component's resources.
	Limits Limits
	// Mailbox configures the component's mailbox.
	Mailbox Mailbox
	// Subscriptions are the topics the component receives published
	// messages for.
	Subscriptions []string
	// Links maps an alias the component uses to the name of another
	// component in the manifest.
	Links map[string]string
	// Exports are the interfaces the component implements: for a Wasm
	// guest, each operation must be an export named "iface.op" with the
	// core signature of its types (checked at load, docs/boundary.md).
	Exports []string
	// Imports are the interfaces the component calls; each must be
	// exported by some component.
	Imports []string
	// Priority is the component's priority level, 0 (lowest) to 7
	// (highest). nil means [DefaultPriority]; Parse and SetDefaults set it,
	// so it is never nil in a parsed manifest.
	Priority *int
	// Reentrant lets the component, while it is blocked in a synchronous
	// request or call, serve calls from the components it waits on:
	// A→B→A completes instead of being a deadlock.
	Reentrant bool
	// BatchYield marks long, predictable computations: while the component
	// reports progress, callers waiting for its yield token keep waiting
	// past the token timeout.
	BatchYield bool
	// OnConflict is what happens to the component's handler for an
	// operation that a component of higher priority also exports:
	// [ConflictQueue] (default) keeps it to take over when the winner
	// goes, [ConflictDrop] discards it.
	OnConflict string
	// Proxy, if set, wraps an unmodified Wasm module as an exporter of one
	// interface; nil otherwise. KindWasm only.
	Proxy *Proxy
	// Config is passed as written to the component; a JSON object, or nil.
	Config json.RawMessage
	// Args are the program's arguments after its name. KindWASICommand
	// only.
	Args []string
	// Env is the program's environment. KindWASICommand only.
	Env map[string]string
	// Preopens are the host directories the program may open.
	// KindWASICommand only.
	Preopens []Preopen
	// Line and Column locate the component's opening brace in the
	// manifest file; 0 if it was not parsed from one.
	Line, Column int
}

// Limits bounds a component's resources.
type Limits struct {
	// MemoryPages caps each instance's linear memory in 64 KiB pages
	// (1 to 65536); 0 means no limit beyond the module's own. Wasm kinds
	// only.
	MemoryPages uint32
	// MaxMessageSize bounds the payload of messages to the component in
	// bytes; 0 means the system's.
	MaxMessageSize int
	// Deadline bounds the time the component may spend on one message or
	// one lifecycle hook; past it the call is interrupted and the
	// component restarted (0: no deadline). Wasm kinds only.
	Deadline time.Duration
}

// Mailbox configures a component's mailbox.
type Mailbox struct {
	// Capacity is how many messages the mailbox holds (1 to 1048576,
	// default 1024).
	Capacity int
	// Overflow is what a full mailbox does with a new message:
	// [OverflowBlock] (default), [OverflowDrop] or [OverflowFail].
	Overflow string
	// BlockTimeout bounds how long a sender waits with OverflowBlock
	// (default 1s); 0 with the other policies.
	BlockTimeout time.Duration
}

// Preopen is a host directory made visible to a WASI program.
type Preopen struct {
	// Host is the directory on the host, relative to the manifest's
	// directory.
	Host string
	// Guest is the path the program sees it at, such as /data.
	Guest string
	// ReadOnly forbids the program to write to it.
	ReadOnly bool
}

// Resolve returns the path p, written in the manifest relative to the
// manifest's directory, as a path usable by the host: absolute paths are
// returned cleaned, relative ones joined with m.Dir. Slashes are accepted on
// every OS. Resolve("") is "".
func (m *Manifest) Resolve(p string) string {
	if p == "" {
		return ""
	}
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(m.Dir, p)
}

// SetDefaults fills the fields that are zero with their defaults, as
// [Parse] does. It is for manifests built in Go; call [Manifest.Validate]
// after it.
func (m *Manifest) SetDefaults() {
	supervisionDefaults(m.Supervision, true)
	s := &m.System
	if s.MaxMessageSize == 0 {
		s.MaxMessageSize = DefaultMaxMessageSize
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = DefaultRequestTimeout
	}
	if s.LogLevel == "" {
		s.LogLevel = DefaultLogLevel
	}
	boundaryDefaults(&m.Boundary)
	for i := range m.Components {
		c := &m.Components[i]
		if c.Instances == 0 {
			c.Instances = DefaultInstances
		}
		if c.Priority == nil {
			p := DefaultPriority
			c.Priority = &p
		}
		if c.OnConflict == "" {
			c.OnConflict = DefaultOnConflict
		}
		mb := &c.Mailbox
		if mb.Capacity == 0 {
			mb.Capacity = DefaultMailboxCapacity
		}
		if mb.Overflow == "" {
			mb.Overflow = DefaultOverflow
		}
		if mb.Overflow == OverflowBlock && mb.BlockTimeout == 0 {
			mb.BlockTimeout = DefaultBlockTimeout
		}
	}
}

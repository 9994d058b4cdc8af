package guest

// Message is one delivery to the component's handler.
//
// Kind is a copy and may be kept. Data aliases the inbound buffer the host
// owns: it is valid only until the handler returns, because the host writes
// the next delivery over it. Copy Data (bytes.Clone) to keep it.
type Message struct {
	// Sender is the PID of the sending component, or 0 when the host sent it.
	Sender PID
	// Kind is the message kind; for a published message, the topic.
	Kind string
	// Corr is the correlation id, non-zero exactly when the message is a
	// request that expects a [Reply].
	Corr uint64
	// Data is the payload. See the type's comment for how long it is valid.
	Data []byte
	// Published is true when the message came from [Publish]; Kind is then
	// the topic.
	Published bool
}

// IsRequest reports whether the sender waits for a [Reply].
func (m Message) IsRequest() bool { return m.Corr != 0 }

// Flag bits of wasmplane_receive.
const (
	flagRequest   = 1 << 0
	flagPublished = 1 << 1
)

package actor

// Flags describe how a message was sent.
type Flags uint32

const (
	// FlagRequest marks a message that expects a reply; its Corr is set.
	FlagRequest Flags = 1 << 0
	// FlagPublished marks a message delivered through a topic; Kind is the
	// topic.
	FlagPublished Flags = 1 << 1
)

// Message is what a component receives.
//
// # Notes
//
//   - Data is not copied between Go components: the sender hands it over
//     and must not modify it afterwards. Data copied out of a Wasm guest's
//     memory is owned by the message.
type Message struct {
	// Sender is the sending process, or zero when the host sent it.
	Sender PID
	// Kind names the message (or the topic it was published on).
	Kind string
	// Corr is the correlation id of a request; zero otherwise.
	Corr uint64
	// Flags says whether this is a request or a published message.
	Flags Flags
	// Data is the payload.
	Data []byte
}

// IsRequest reports whether the message expects a reply.
func (m *Message) IsRequest() bool { return m.Flags&FlagRequest != 0 }

// IsPublished reports whether the message came through a topic.
func (m *Message) IsPublished() bool { return m.Flags&FlagPublished != 0 }

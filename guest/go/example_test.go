package guest_test

import (
	"bytes"

	guest "github.com/wasmplane/wasmplane/guest/go"
)

// A guest registers its callbacks in init; the host never calls main.
func Example() {
	guest.OnPostStart(func() error {
		guest.Info("ready")
		return nil
	})
	guest.Handle(func(m guest.Message) error {
		switch m.Kind {
		case "ping": // a request: answer it
			return guest.Reply(m, []byte("pong"))
		case "shout": // one-way: forward to another component
			to, err := guest.Lookup("printer")
			if err != nil {
				return err
			}
			return guest.Send(to, "print", bytes.ToUpper(m.Data))
		}
		return nil
	})
}

// Command tokenizer is the quickstart's Go guest. It splits each "line"
// message into words and sends every word to the component named "counter";
// it forwards "eof" there too.
//
// A line containing the word POISON crashes it on purpose, so that the
// quickstart can show the supervisor restarting it.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tokenizer.wasm .
package main

import (
	"errors"

	guest "github.com/wasmplane/wasmplane/guest/go"
)

// Registration happens in init: the host never runs main.
func init() {
	guest.OnPostStart(func() error {
		guest.Info("tokenizer ready")
		return nil
	})
	guest.Handle(receive)
}

func main() {}

func receive(m guest.Message) error {
	switch m.Kind {
	case "line":
		words := split(m.Data)
		for _, w := range words {
			if string(w) == "POISON" {
				panic("poison line")
			}
		}
		for _, w := range words {
			if err := toCounter("word", lower(w)); err != nil {
				return err
			}
		}
		return nil
	case "eof":
		return toCounter("eof", m.Data)
	default:
		guest.Warn("tokenizer: unknown kind " + m.Kind)
		return nil
	}
}

// counter caches the counter's PID. It goes stale when the counter restarts;
// toCounter then looks it up again.
var counter guest.PID

func toCounter(kind string, data []byte) error {
	if counter == 0 {
		pid, err := guest.Lookup("counter")
		if err != nil {
			return err
		}
		counter = pid
	}
	err := guest.Send(counter, kind, data)
	if errors.Is(err, guest.ErrDeadPID) {
		counter = 0
		pid, lerr := guest.Lookup("counter")
		if lerr != nil {
			return lerr
		}
		counter = pid
		err = guest.Send(counter, kind, data)
	}
	return err
}

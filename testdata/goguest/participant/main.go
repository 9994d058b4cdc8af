// Command participant is the Go guest of the cross-language integration test
// (tag "go"). A C guest and a Go host component implement the same
// behaviour; every reply, relay and log line is prefixed with "go:" so the
// test can tell them apart.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o participant.wasm .
package main

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	guest "github.com/wasmplane/wasmplane/guest/go"
)

const tag = "go"

func init() {
	for _, h := range []struct {
		register func(func() error)
		name     string
	}{
		{guest.OnPreStart, "pre_start"},
		{guest.OnPostStart, "post_start"},
		{guest.OnPreStop, "pre_stop"},
		{guest.OnPostStop, "post_stop"},
	} {
		line := tag + ":" + h.name
		h.register(func() error { guest.Info(line); return nil })
	}
	guest.Handle(receive)
}

// main is never called: -buildmode=c-shared on wasip1 runs only init.
func main() {}

func receive(m guest.Message) error {
	if m.Published {
		collector, err := guest.Lookup("collector")
		if err != nil {
			return err
		}
		return guest.Send(collector, "seen", join(tag+":"+m.Kind+":", m.Data))
	}
	switch m.Kind {
	case "echo":
		return guest.Reply(m, join(tag+":", m.Data))
	case "relay":
		target, payload, err := splitTarget(m.Data)
		if err != nil {
			return err
		}
		to, err := guest.Lookup(target)
		if err != nil {
			return err
		}
		return guest.Send(to, "relayed", join(tag+":", payload))
	case "ask":
		target, payload, err := splitTarget(m.Data)
		if err != nil {
			return err
		}
		answer, err := ask(target, payload)
		if err != nil {
			answer = []byte(tag + ":error:" + strconv.Itoa(int(code(err))))
		}
		return guest.Publish("answers", answer)
	case "subscribe":
		return guest.Subscribe(string(m.Data))
	case "trap":
		panic("trap requested")
	case "fail":
		return errors.New("fail requested")
	default:
		guest.Warn(tag + ":unknown kind " + m.Kind)
		return nil
	}
}

func ask(target string, payload []byte) ([]byte, error) {
	to, err := guest.Lookup(target)
	if err != nil {
		return nil, err
	}
	return guest.Request(to, "echo", payload, 2*time.Second)
}

// splitTarget splits "<target-name>|<payload>" at the first '|'.
func splitTarget(data []byte) (string, []byte, error) {
	target, payload, ok := bytes.Cut(data, []byte("|"))
	if !ok {
		return "", nil, errors.New("want <target-name>|<payload>, got no '|'")
	}
	return string(target), payload, nil
}

// code returns the ABI status carried by err, or 0 if it carries none.
func code(err error) int32 {
	if e, ok := errors.AsType[*guest.Error](err); ok {
		return e.Code
	}
	return 0
}

func join(prefix string, data []byte) []byte {
	return append([]byte(prefix), data...)
}

package actor

import (
	"context"
	"encoding/binary"
	"testing"
)

// BenchmarkBoundaryCost measures a process-to-process request-reply and
// typed call with and without the boundary machinery (wait-for edge; for
// calls also the callee's yield token), in one run, so the ratio is the
// added cost (docs/boundary.md; target under 10 %). The caller is a
// component that makes b.N requests from its handler.
func BenchmarkBoundaryCost(b *testing.B) {
	for _, kind := range []string{"request", "call"} {
		for _, machinery := range []bool{false, true} {
			name := kind + "/plain"
			if machinery {
				name = kind + "/boundary"
			}
			b.Run(name, func(b *testing.B) { boundaryCost(b, kind, machinery) })
		}
	}
}

func boundaryCost(b *testing.B, kind string, machinery bool) {
	s := quietSystem(b, Config{})
	s.noBoundary = !machinery
	defineCalc(b, s.Registry())
	callee, err := s.Spawn(factoryOf(&echoCalc{}), SpawnOptions{Name: "callee"})
	if err != nil {
		b.Fatal(err)
	}
	caller, err := s.Spawn(factoryOf(ReceiveFunc(func(c *Context, m Message) error {
		n := int(binary.LittleEndian.Uint64(m.Data))
		ctx := context.Background()
		for i := 0; i < n; i++ {
			var err error
			if kind == "call" {
				_, err = c.Call(ctx, callee, "calc.double", int32(i))
			} else {
				_, err = c.Request(ctx, callee, "ping", nil)
			}
			if err != nil {
				return err
			}
		}
		return c.Reply(m, nil)
	})), SpawnOptions{Name: "caller"})
	if err != nil {
		b.Fatal(err)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := s.Request(context.Background(), caller, "go", n[:]); err != nil {
		b.Fatal(err)
	}
}

// echoCalc replies to requests and doubles in calc.double.
type echoCalc struct{ Hooks }

func (*echoCalc) Receive(c *Context, m Message) error { return c.Reply(m, nil) }

func (*echoCalc) HandleOperation(_ *Context, _ string, args []any) ([]any, error) {
	return []any{args[0].(int32) * 2}, nil
}

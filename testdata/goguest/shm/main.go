// Command shm is the Go guest of the copy-path test (shm_goguest_test.go):
// it uses the app's shared regions through the SDK's copying calls with
// the same entry and frame formats as the C guests of internal/shm's
// cross test, so the host checks it the same way.
//
// Ring entries are 16 bytes: v = id<<48 | seq, then v * mix. Frame g of
// size bytes holds g*31 + i in u32 word i and the sum of the others in
// the last word.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o shm.wasm .
package main

import (
	"encoding/binary"
	"fmt"
	"time"

	guest "github.com/wasmplane/wasmplane/guest/go"
)

const (
	mix     = 0x9E3779B97F4A7C15
	entry   = 16
	timeout = 5 * time.Second
)

var le = binary.LittleEndian

func init() { guest.Handle(receive) }

// main is never called: -buildmode=c-shared on wasip1 runs only init.
func main() {}

// receive answers requests; each argument is a little-endian u32.
func receive(m guest.Message) error {
	arg := func(i int) uint32 {
		if len(m.Data) < 4*(i+1) {
			return 0
		}
		return le.Uint32(m.Data[4*i:])
	}
	// name is the region name after i arguments.
	name := func(i int) string { return string(m.Data[min(4*i, len(m.Data)):]) }
	var out uint64
	var err error
	switch m.Kind {
	case "push": // id, n, batch, ring name → entries pushed
		out, err = push(name(3), arg(0), arg(1), arg(2))
	case "pop": // id, n, ring name → bad or missing entries
		out, err = pop(name(2), arg(0), arg(1))
	case "publish": // n, size, fill (0: stamp word 0 only) → last generation
		out, err = publish(arg(0), arg(1), arg(2) != 0)
	case "acquire": // → generation of a checked frame
		out, err = acquire()
	case "block": // off, n → bytes read back equal to those written
		out, err = block(arg(0), arg(1))
	default:
		return fmt.Errorf("unknown kind %q", m.Kind)
	}
	if err != nil {
		return err
	}
	return guest.Reply(m, le.AppendUint64(nil, out))
}

func push(ring string, id, n, batch uint32) (uint64, error) {
	buf := make([]byte, entry*batch)
	var done uint32
	for done < n {
		k := min(batch, n-done)
		for i := range k {
			v := uint64(id)<<48 | uint64(done+i)
			le.PutUint64(buf[entry*i:], v)
			le.PutUint64(buf[entry*i+8:], v*mix)
		}
		got, err := guest.RingPush(ring, buf[:entry*k], timeout)
		if err != nil {
			return uint64(done), err
		}
		done += uint32(got)
		if uint32(got) < k {
			break // full for the whole timeout: the host counts the shortfall
		}
	}
	return uint64(done), nil
}

func pop(ring string, id, n uint32) (uint64, error) {
	buf := make([]byte, entry*32)
	var seen, bad uint32
	for seen < n {
		k, err := guest.RingPop(ring, buf, timeout)
		if err != nil {
			return 0, err
		}
		if k == 0 {
			break
		}
		for i := range uint32(k) {
			v := le.Uint64(buf[entry*i:])
			if le.Uint64(buf[entry*i+8:]) != v*mix || v != uint64(id)<<48|uint64(seen+i) {
				bad++
			}
		}
		seen += uint32(k)
	}
	return uint64(bad + (n - min(seen, n))), nil
}

var (
	// frame is the writer's scratch frame; tb_publish copies it.
	frame []byte
	// lastGen is the generation this guest published last: it is the
	// triple buffer's one writer, so the next one is lastGen + 1.
	lastGen uint64
)

func publish(n, size uint32, fill bool) (uint64, error) {
	if uint32(len(frame)) < size {
		frame = make([]byte, size)
	}
	f := frame[:size]
	for range n {
		g := uint32(lastGen + 1)
		if fill {
			var sum uint32
			for i := uint32(0); i+1 < size/4; i++ {
				le.PutUint32(f[4*i:], g*31+i)
				sum += g*31 + i
			}
			le.PutUint32(f[size-4:], sum)
		} else {
			le.PutUint32(f, g)
		}
		gen, err := guest.TBPublish("frames", f)
		if err != nil {
			return lastGen, err
		}
		if gen != uint64(g) {
			return gen, fmt.Errorf("published generation %d, want %d", gen, g)
		}
		lastGen = gen
	}
	return lastGen, nil
}

// acquire reads the latest frame of "in_frames" (published by the host)
// and checks it.
func acquire() (uint64, error) {
	buf := make([]byte, 4096)
	n, gen, err := guest.TBAcquire("in_frames", buf)
	if err != nil {
		return 0, err
	}
	f := buf[:n]
	var sum uint32
	for i := 0; i+1 < n/4; i++ {
		w := le.Uint32(f[4*i:])
		if w != uint32(gen)*31+uint32(i) {
			return gen, fmt.Errorf("frame %d word %d = %d: torn", gen, i, w)
		}
		sum += w
	}
	if n < 4 || le.Uint32(f[n-4:]) != sum {
		return gen, fmt.Errorf("frame %d (%d bytes): bad checksum", gen, n)
	}
	return gen, nil
}

// block writes n bytes at off of the mutex region "block" and reads them
// back; it returns how many matched.
func block(off, n uint32) (uint64, error) {
	src, dst := make([]byte, n), make([]byte, n)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	if _, err := guest.ShmWrite("block", off, src); err != nil {
		return 0, err
	}
	if _, err := guest.ShmRead("block", off, dst); err != nil {
		return 0, err
	}
	var same uint64
	for i := range src {
		if src[i] == dst[i] {
			same++
		}
	}
	return same, nil
}

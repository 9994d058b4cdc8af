// Command physics is the shared-memory example: a C guest integrates N
// bodies at 120 Hz on its own goroutine and writes each frame's positions
// into a triple buffer in the app's shared memory; a host renderer reads
// every frame in place and verifies its checksum; internal/frame times
// the stages compute → commit → present.
//
//	go run ./examples/physics [--frames 600] [--for 5s] [--bodies 2048]
//
// The host drives each frame by calling the guest (requests "compute",
// then "commit"), so the guest returns to Go between frames: a goroutine
// spinning inside compiled Wasm would have no safepoint and could stall
// the garbage collector.
package main

import (
	"context"
	_ "embed"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wasmplane/wasmplane"
)

//go:embed guest/physics.wasm
var guest []byte

func main() { os.Exit(doMain(os.Args[1:], os.Stdout, os.Stderr)) }

func doMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("physics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	fs.IntVar(&opts.Frames, "frames", 600, "frames to run (0: until --for ends)")
	fs.DurationVar(&opts.For, "for", 0, "run for this long (0: until --frames)")
	fs.IntVar(&opts.Bodies, "bodies", 2048, "number of bodies")
	fs.Float64Var(&opts.Hz, "hz", 120, "frame rate")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := Run(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(stderr, "physics:", err)
		return 1
	}
	fmt.Fprintf(stdout, "physics: %d bodies at %g Hz, %d frames rendered, %d torn, %d skipped by the renderer\n\n",
		opts.Bodies, opts.Hz, res.Rendered, res.Torn, res.Skipped)
	res.Summary.Format(stdout)
	if res.Torn != 0 {
		return 1
	}
	return 0
}

// Options configure a run; zero fields mean 600 frames, 2048 bodies, 120 Hz.
type Options struct {
	Frames int
	For    time.Duration
	Bodies int
	Hz     float64
}

// Result is what the renderer saw.
type Result struct {
	Rendered int // frames read and verified
	Torn     int // frames whose checksum or length did not match (must be 0)
	Skipped  int // frames published but never seen (the renderer got a newer one)
	Summary  wasmplane.FrameSummary
}

const (
	pages     = 16 // = the guest's --max-memory (Makefile SHM_LDFLAGS)
	frameHead = 16 // u64 token, u32 n, u32 checksum
)

// Run runs the pipeline and returns what the renderer saw.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Frames == 0 && opts.For == 0 {
		opts.Frames = 600
	}
	if opts.Bodies <= 0 {
		opts.Bodies = 2048
	}
	if opts.Hz == 0 {
		opts.Hz = 120
	}
	sys, err := wasmplane.New(ctx, wasmplane.Config{})
	if err != nil {
		return Result{}, err
	}
	defer sys.Close(context.Background())
	frameSize := uint32(frameHead + 12*opts.Bodies)
	sm, err := sys.NewSharedMemory(ctx, wasmplane.SharedMemoryConfig{
		Regions: []wasmplane.Region{{Name: "frames", Kind: wasmplane.RegionTripleBuffer, Size: frameSize,
			Writers: []string{"physics"}, Readers: []string{"renderer"}}},
		Components: []string{"physics", "renderer"},
		Pages:      pages, Instances: 1, StackSize: 32 << 10, HeapSize: uint32(24 * opts.Bodies),
	})
	if err != nil {
		return Result{}, err
	}
	defer sm.Close(context.Background())
	mod, err := sys.LoadModule(ctx, "physics", guest, wasmplane.KindWasm)
	if err != nil {
		return Result{}, err
	}
	pid, err := sys.Spawn(sm.Factory(mod, wasmplane.SharedOptions{}), wasmplane.SpawnOptions{Name: "physics"})
	if err != nil {
		return Result{}, err
	}
	init := make([]byte, 12)
	binary.LittleEndian.PutUint32(init, sm.Base())
	binary.LittleEndian.PutUint32(init[4:], sm.Layout().Partitions[0].HeapLo)
	binary.LittleEndian.PutUint32(init[8:], uint32(opts.Bodies))
	if _, err := sys.Request(ctx, pid, "init", init); err != nil {
		return Result{}, fmt.Errorf("init the guest: %w", err)
	}
	tb, err := sm.TripleBuffer("frames")
	if err != nil {
		return Result{}, err
	}
	clock, err := wasmplane.NewFrameClock(wasmplane.FrameConfig{Hz: opts.Hz})
	if err != nil {
		return Result{}, err
	}
	sys.RegisterFrameClock("physics", clock)

	// The renderer: reads each frame in place and verifies it.
	var res Result
	handoff := make(chan *wasmplane.ClockFrame, 4)
	rendered := make(chan struct{})
	go func() {
		defer close(rendered)
		var last uint64
		for f := range handoff {
			f.Start("present")
			fr, err := tb.Acquire()
			if err != nil || !verify(fr.Data) {
				res.Torn++
			}
			if fr.Gen > last+1 {
				res.Skipped += int(fr.Gen - last - 1)
			}
			last = max(last, fr.Gen)
			res.Rendered++
			f.End("present")
			f.Done()
		}
	}()

	runCtx, cancel := context.WithCancel(ctx)
	if opts.For > 0 {
		runCtx, cancel = context.WithTimeout(ctx, opts.For)
	}
	defer cancel()
	token := make([]byte, 8)
	started := 0
	var runErr error
	err = clock.Run(runCtx, func(f *wasmplane.ClockFrame) {
		binary.LittleEndian.PutUint64(token, f.Token())
		f.Start("compute")
		if _, err := sys.Request(ctx, pid, "compute", token); err != nil {
			runErr = fmt.Errorf("frame %d: compute: %w", f.Token(), err)
		}
		f.End("compute")
		f.Start("commit")
		if _, err := sys.Request(ctx, pid, "commit", nil); err != nil && runErr == nil {
			runErr = fmt.Errorf("frame %d: commit: %w", f.Token(), err)
		}
		f.End("commit")
		handoff <- f
		if started++; runErr != nil || (opts.Frames > 0 && started >= opts.Frames) {
			cancel()
		}
	})
	close(handoff)
	<-rendered
	if runErr != nil {
		return res, runErr
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return res, err
	}
	res.Summary = clock.Summary()
	return res, sm.Verify()
}

// verify checks a frame: its length matches its body count and its
// checksum (FNV-1a over the positions) matches the bytes.
func verify(b []byte) bool {
	if len(b) < frameHead {
		return false
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if uint64(len(b)) != frameHead+12*uint64(n) {
		return false
	}
	h := uint32(2166136261)
	for _, c := range b[frameHead:] {
		h = (h ^ uint32(c)) * 16777619
	}
	return h == binary.LittleEndian.Uint32(b[12:])
}

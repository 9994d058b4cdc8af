package shm

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestComputeErrors(t *testing.T) {
	comps := []string{"physics", "renderer", "editor"}
	cfg := Config{MaxBytes: 1 << 20, Components: comps}
	tb := func(writers ...string) Decl {
		return Decl{Name: "pos", Kind: TripleBuffer, Size: 1024, Writers: writers, Readers: []string{"renderer"}}
	}
	tests := []struct {
		name  string
		cfg   Config
		decls []Decl
		is    error
		want  string // substrings
	}{
		{"two writers on a triple buffer", cfg, []Decl{tb("physics", "editor")}, ErrInvalidLayout, `region "pos" Writers: a triple buffer has exactly one writer, got 2`},
		{"no writer on a triple buffer", cfg, []Decl{tb()}, ErrInvalidLayout, `exactly one writer, got 0`},
		{"unknown component", cfg, []Decl{tb("phys")}, ErrInvalidLayout, `region "pos" Writers: unknown component "phys"`},
		{"unknown reader", cfg, []Decl{{Name: "r", Kind: Raw, Size: 8, Readers: []string{"x"}}}, ErrInvalidLayout, `region "r" Readers: unknown component "x"`},
		{"zero size", cfg, []Decl{{Name: "z", Kind: Raw}}, ErrInvalidLayout, `region "z" Size: must be > 0`},
		{"oversized", cfg, []Decl{{Name: "big", Kind: Raw, Size: 2 << 20}}, ErrOutOfBounds, `region "big" Size: needs 2097152 bytes`},
		{"ring not power of two", cfg, []Decl{{Name: "q", Kind: SPSCRing, SlotSize: 16, Slots: 100}}, ErrInvalidLayout, `region "q" Slots: 100 is not a power of two`},
		{"ring size mismatch", cfg, []Decl{{Name: "q", Kind: SPSCRing, SlotSize: 16, Slots: 64, Size: 1000}}, ErrInvalidLayout, `region "q" Size: 1000 ≠ SlotSize 16 × Slots 64`},
		{"misaligned offset", cfg, []Decl{{Name: "m", Kind: Raw, Size: 64, Offset: 4100}}, ErrMisaligned, `region "m" Offset: 4100 is not a multiple of 64`},
		{"offset in metadata", cfg, []Decl{{Name: "m", Kind: Raw, Size: 64, Offset: 64}}, ErrInvalidLayout, `region "m" Offset: 64 lies inside the metadata block`},
		{"overlap", cfg, []Decl{{Name: "a", Kind: Raw, Size: 256, Offset: 4096}, {Name: "b", Kind: Raw, Size: 64, Offset: 4096 + 192}}, ErrInvalidLayout, `region "b" Offset: [4288, 4352) overlaps region "a" [4096, 4352)`},
		{"duplicate name", cfg, []Decl{{Name: "a", Kind: Raw, Size: 8}, {Name: "a", Kind: Raw, Size: 8}}, ErrInvalidLayout, `region "a" Name: declared twice`},
		{"bad name", cfg, []Decl{{Name: "a b", Kind: Raw, Size: 8}}, ErrInvalidLayout, `use [A-Za-z0-9_.-]`},
		{"total over max", cfg, []Decl{{Name: "a", Kind: Raw, Size: 600 << 10}, {Name: "b", Kind: Raw, Size: 600 << 10}}, ErrOutOfBounds, `region "b" Size: does not fit`},
		{"partitions over max", Config{MaxBytes: 1 << 20, Instances: 20}, nil, ErrOutOfBounds, `layout Instances: partition 15`},
		{"misaligned base", Config{Base: 100}, nil, ErrMisaligned, `layout Base: 100 is not a multiple of 64`},
		{"rcu versions", cfg, []Decl{{Name: "s", Kind: RCU, Size: 64, Slots: 1}}, ErrInvalidLayout, `an RCU region needs 2-255`},
		{"spsc two producers", cfg, []Decl{{Name: "q", Kind: SPSCRing, SlotSize: 8, Slots: 8, Writers: []string{"physics", "editor"}}}, ErrInvalidLayout, `use mpsc_ring`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.cfg, tc.decls)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestComputeReportsAllErrors(t *testing.T) {
	_, err := Compute(Config{Components: []string{"a"}}, []Decl{
		{Name: "x", Kind: TripleBuffer, Size: 8},
		{Name: "y", Kind: Raw, Size: 0, Writers: []string{"zz"}},
	})
	for _, want := range []string{`region "x" Writers`, `region "y" Size`, `region "y" Writers: unknown component "zz"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestLayoutProperties: random declarations that Compute accepts are
// 64-aligned, disjoint, after the metadata block and within the maximum;
// partitions follow and are disjoint too.
func TestLayoutProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []Kind{Raw, TripleBuffer, SPSCRing, MPSCRing, Mutex, RCU, Slots}
	accepted := 0
	for iter := 0; iter < iters(3000, 10); iter++ {
		n := rng.IntN(12)
		var decls []Decl
		for i := 0; i < n; i++ {
			d := Decl{Name: "r" + string(rune('a'+i)), Kind: kinds[rng.IntN(len(kinds))], Writers: []string{"w"}, Readers: []string{"r"}}
			switch d.Kind {
			case SPSCRing, MPSCRing:
				d.SlotSize, d.Slots = uint32(1+rng.IntN(200)), 1<<rng.IntN(10)
			case Slots:
				d.SlotSize, d.Slots = uint32(1+rng.IntN(200)), uint32(1+rng.IntN(500))
			default:
				d.Size = uint32(1 + rng.IntN(20000))
			}
			if rng.IntN(4) == 0 {
				d.Offset = uint32(rng.IntN(1<<14)) * 64
			}
			decls = append(decls, d)
		}
		cfg := Config{Base: uint32(rng.IntN(4)) * 1024, MaxBytes: uint64(1+rng.IntN(64)) << 16,
			Components: []string{"w", "r"}, Instances: rng.IntN(4), StackSize: uint32(rng.IntN(9000)), HeapSize: uint32(rng.IntN(9000))}
		l, err := Compute(cfg, decls)
		if err != nil {
			continue
		}
		accepted++
		metaEnd := uint64(l.Base) + uint64(l.MetaSize)
		type span struct{ lo, hi uint64 }
		spans := []span{{uint64(l.Base), metaEnd}}
		for _, r := range l.Regions {
			if r.Offset%LineSize != 0 || r.Bytes%LineSize != 0 || r.Bytes == 0 {
				t.Fatalf("region %s at %d size %d not line aligned", r.Name, r.Offset, r.Bytes)
			}
			if r.Desc%LineSize != 0 || uint64(r.Desc)+DescBytes > metaEnd {
				t.Fatalf("descriptor of %s at %d outside metadata", r.Name, r.Desc)
			}
			if r.Stride*r.Slots+r.TableLen > r.Bytes {
				t.Fatalf("region %s: %d slots × %d + %d > %d", r.Name, r.Slots, r.Stride, r.TableLen, r.Bytes)
			}
			spans = append(spans, span{uint64(r.Offset), uint64(r.Offset) + uint64(r.Bytes)})
		}
		for _, p := range l.Partitions {
			if p.StackLo%LineSize != 0 || p.StackHi < p.StackLo || p.HeapLo != p.StackHi || p.HeapHi < p.HeapLo {
				t.Fatalf("bad partition %+v", p)
			}
			spans = append(spans, span{uint64(p.StackLo), uint64(p.HeapHi)})
		}
		for i, a := range spans {
			if a.hi > l.End || l.End > cfg.MaxBytes {
				t.Fatalf("span %v past end %d / max %d", a, l.End, cfg.MaxBytes)
			}
			for _, b := range spans[i+1:] {
				if a.lo < b.hi && b.lo < a.hi {
					t.Fatalf("spans %v and %v overlap\n%+v", a, b, l)
				}
			}
		}
	}
	if accepted < iters(3000, 10)/4 {
		t.Fatalf("only %d layouts accepted; the generator is too strict", accepted)
	}
}

func TestRange(t *testing.T) {
	tests := []struct {
		size, off, n, align uint64
		is                  error
	}{
		{100, 0, 100, 1, nil},
		{100, 96, 4, 4, nil},
		{100, 98, 4, 1, ErrOutOfBounds},
		{100, 2, 4, 4, ErrMisaligned},
		{1 << 32, 1<<64 - 4, 8, 1, ErrOutOfBounds},
		{1 << 32, 0xFFFFFFFF, 2, 1, ErrOutOfBounds},
	}
	for _, tc := range tests {
		if err := Range(tc.size, tc.off, tc.n, tc.align); !errors.Is(err, tc.is) || (tc.is == nil) != (err == nil) {
			t.Errorf("Range(%d, %d, %d, %d) = %v, want %v", tc.size, tc.off, tc.n, tc.align, err, tc.is)
		}
	}
	mem := goMem(1 << 16)
	m := openLayout(t, mem, nil, Decl{Name: "x", Kind: Raw, Size: 64})
	if _, err := m.View(0xFFFFFFF0, 0x20, 1); !errors.Is(err, ErrOutOfBounds) {
		t.Errorf("View past 2^32: %v", err)
	}
	if v, err := m.View(64, 8, 8); err != nil || len(v) != 8 {
		t.Errorf("View(64, 8) = %d bytes, %v", len(v), err)
	}
}

func TestInitVerify(t *testing.T) {
	mem := goMem(1 << 16)
	m := openLayout(t, mem, nil, Decl{Name: "tb", Kind: TripleBuffer, Size: 100, Writers: []string{"a"}},
		Decl{Name: "q", Kind: MPSCRing, SlotSize: 8, Slots: 4})
	if err := m.Verify(); err != nil {
		t.Fatal(err)
	}
	r, _ := m.Layout().Region("q")
	mem[r.Desc+DescOffset]++
	if err := m.Verify(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `region "q" descriptor offset`) {
		t.Fatalf("Verify after scribbling: %v", err)
	}
}

// FuzzVerifyMeta: VerifyMeta reads untrusted bytes; it must never panic.
func FuzzVerifyMeta(f *testing.F) {
	mem := goMem(1 << 14)
	m := openLayout(f, mem, nil, Decl{Name: "tb", Kind: TripleBuffer, Size: 100, Writers: []string{"a"}})
	f.Add(mem[:m.Layout().MetaSize])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = VerifyMeta(b, m.Layout())
	})
}

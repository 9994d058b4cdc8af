package manifest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wasmplane/wasmplane/internal/shm"
)

// Region kinds (see docs/shm.md).
const (
	RegionTripleBuffer = "triple_buffer"
	RegionSPSCRing     = "spsc_ring"
	RegionMPSCRing     = "mpsc_ring"
	RegionMutex        = "mutex"
	RegionRCU          = "rcu"
	RegionRaw          = "raw"
	RegionSlots        = "slots"
)

var regionKinds = []string{RegionTripleBuffer, RegionSPSCRing, RegionMPSCRing, RegionMutex, RegionRCU, RegionRaw, RegionSlots}

// Region is one shared-memory region: a block of the app's shared memory
// with a protocol (its kind) and the components that write and read it.
// The runtime lays regions out (docs/shm.md): each on a 64-byte boundary,
// none overlapping, after a metadata block of atomic words.
type Region struct {
	// Name identifies the region; unique, 1-31 bytes of [A-Za-z0-9_.-].
	Name string
	// Kind is triple_buffer, spsc_ring, mpsc_ring, mutex, rcu, raw or
	// slots.
	Kind string
	// Size is the payload in bytes: one frame (triple_buffer), the block
	// (mutex, raw), one version (rcu). For rings and slot tables it may be
	// left out; if written it must equal slot_size × slots.
	Size uint32
	// SlotSize is the entry size of a ring or slot table.
	SlotSize uint32
	// Slots is the entry count of a ring (a power of two) or slot table,
	// or the number of versions of an rcu region (default 3).
	Slots uint32
	// Offset places the region at an absolute byte offset, a multiple of
	// 64 after the metadata block; 0 means placed automatically.
	Offset uint32
	// Writers and Readers name components of the manifest. A
	// triple_buffer has exactly one of each; an spsc_ring one producer
	// (writer) and one consumer (reader).
	Writers, Readers []string
	// Line and Column locate the region object.
	Line, Column int
}

var regionSizeRule = intRule{1, 1<<32 - 1}

var regionFields = []field[Region]{
	{"name", func(d *decoder, r *Region, v *node, p string) { r.Name = d.str(v, p, "name") }},
	{"kind", func(d *decoder, r *Region, v *node, p string) { r.Kind = d.str(v, p, "kind") }},
	{"size", func(d *decoder, r *Region, v *node, p string) {
		r.Size = uint32(d.integer(v, p, "size", regionSizeRule))
	}},
	{"slot_size", func(d *decoder, r *Region, v *node, p string) {
		r.SlotSize = uint32(d.integer(v, p, "slot_size", regionSizeRule))
	}},
	{"slots", func(d *decoder, r *Region, v *node, p string) {
		r.Slots = uint32(d.integer(v, p, "slots", regionSizeRule))
	}},
	{"offset", func(d *decoder, r *Region, v *node, p string) {
		r.Offset = uint32(d.integer(v, p, "offset", regionSizeRule))
	}},
	{"writers", func(d *decoder, r *Region, v *node, p string) { r.Writers = d.strings(v, p, "writers", "writer") }},
	{"readers", func(d *decoder, r *Region, v *node, p string) { r.Readers = d.strings(v, p, "readers", "reader") }},
}

func decodeRegions(d *decoder, v *node, p string) []Region {
	if v.kind != kindArray {
		d.mismatch(v, p, "regions", "an array of region objects")
		return nil
	}
	rs := make([]Region, len(v.elems))
	for i, e := range v.elems {
		ep := indexPath(p, i)
		d.src.locs[ep] = loc{-1, e.off}
		r := &rs[i]
		r.Line, r.Column = d.src.position(e.off)
		decodeObject(d, e, ep, "region", regionFields, r)
	}
	return rs
}

// Decls converts regions to the layout declarations of internal/shm,
// skipping regions whose kind is unknown.
func Decls(regions []Region) []shm.Decl {
	var out []shm.Decl
	for _, r := range regions {
		k, ok := shm.ParseKind(r.Kind)
		if !ok {
			continue
		}
		out = append(out, shm.Decl{Name: r.Name, Kind: k, Size: r.Size, SlotSize: r.SlotSize, Slots: r.Slots,
			Offset: r.Offset, Writers: r.Writers, Readers: r.Readers})
	}
	return out
}

// regionFieldPaths maps shm.Decl fields to manifest keys.
var regionFieldPaths = map[string]string{
	"Name": "name", "Kind": "kind", "Size": "size", "SlotSize": "slot_size", "Slots": "slots",
	"Offset": "offset", "Writers": "writers", "Readers": "readers",
}

// regions checks the regions: kinds, components named as writers and
// readers, then the layout rules of internal/shm (names, sizes, one writer
// on a triple buffer, 64-byte alignment, no overlap), each error at the
// region's path.
func (v *validator) regions(rs []Region, names componentNames) {
	index, last := map[string]int{}, map[string]int{}
	ok := true
	used := map[string]bool{}
	for i := range rs {
		r := &rs[i]
		p := indexPath("regions", i)
		if r.Name == "" && !v.present(p+".name") {
			v.missing(p+".name", "; a region needs a unique name")
			ok = false
		}
		if _, dup := index[r.Name]; !dup {
			index[r.Name] = i
		}
		last[r.Name] = i
		if r.Kind == "" && !v.present(p+".kind") {
			v.missing(p+".kind", "; one of "+strings.Join(regionKinds, ", "))
			ok = false
		} else if !isOneOf(r.Kind, regionKinds) {
			v.enum(p+".kind", "kind", r.Kind, regionKinds)
			ok = false
		}
		for _, f := range []struct {
			key   string
			names []string
		}{{"writers", r.Writers}, {"readers", r.Readers}} {
			for j, c := range f.names {
				used[c] = true
				if _, known := names.first[c]; !known && names.known && c != "" {
					v.errorf(indexPath(p+"."+f.key, j), "component %q is not in the manifest; components: %s",
						truncate(c), strings.Join(names.sorted, ", "))
				}
			}
		}
	}
	if !ok || len(rs) == 0 {
		return
	}
	// Unknown components are reported above, with their index; the layout
	// check sees every name used as known.
	var comps []string
	for c := range used {
		comps = append(comps, c)
	}
	_, err := shm.Compute(shm.Config{Components: comps}, Decls(rs))
	for _, e := range flatten(err) {
		var re *shm.RegionError
		if !errors.As(e, &re) {
			v.errorf("regions", "%v", e)
			continue
		}
		p := "regions"
		if i, found := index[re.Region]; found {
			if re.Field == "Name" {
				i = last[re.Region] // "declared twice": the second one
			}
			p = indexPath("regions", i)
			if k := regionFieldPaths[re.Field]; k != "" && v.present(p+"."+k) {
				p += "." + k
			}
		} else if strings.HasPrefix(re.Region, "#") {
			var i int
			if _, serr := fmt.Sscanf(re.Region, "#%d", &i); serr == nil {
				p = indexPath("regions", i)
			}
		}
		v.errorf(p, "%s", regionMessage(re))
	}
}

// regionMessage words a layout error for a manifest reader.
func regionMessage(re *shm.RegionError) string {
	msg := re.Msg
	switch {
	case errors.Is(re, shm.ErrMisaligned):
		msg += "; regions start on 64-byte boundaries so unrelated data never shares a cache line"
	case re.Field == "Writers" || re.Field == "Readers":
		msg = strings.ToLower(re.Field) + ": " + msg
	}
	return msg
}

// flatten returns the errors joined in err.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

package manifest

import (
	"errors"
	"strings"
	"testing"
)

const regionsApp = `{
  "version": 1,
  "components": [
    {"name": "physics", "kind": "wasm", "module": "p.wasm"},
    {"name": "renderer", "kind": "go", "factory": "renderer"},
    {"name": "audio", "kind": "go", "factory": "audio"}
  ],
  "regions": [
%s
  ]
}`

// TestRegionsValid: a well-formed regions section decodes to typed regions.
func TestRegionsValid(t *testing.T) {
	m, err := Parse([]byte(strings.Replace(regionsApp, "%s", `
    {"name": "positions", "kind": "triple_buffer", "size": 4096, "writers": ["physics"], "readers": ["renderer"]},
    {"name": "control", "kind": "spsc_ring", "slot_size": 64, "slots": 256, "writers": ["renderer"], "readers": ["physics"]},
    {"name": "events", "kind": "mpsc_ring", "slot_size": 16, "slots": 64, "writers": ["physics", "audio"], "readers": ["renderer"]},
    {"name": "state", "kind": "rcu", "size": 512, "offset": 65536},
    {"name": "lock", "kind": "mutex", "size": 64},
    {"name": "scratch", "kind": "raw", "size": 100}`, 1)), "app.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Regions) != 6 || m.Regions[0].Kind != RegionTripleBuffer || m.Regions[1].SlotSize != 64 ||
		m.Regions[3].Offset != 65536 || m.Regions[0].Line != 10 {
		t.Fatalf("regions = %+v", m.Regions)
	}
	if d := Decls(m.Regions); len(d) != 6 || d[2].Writers[1] != "audio" {
		t.Fatalf("Decls = %+v", d)
	}
}

// TestRegionsInvalid: acceptance 3. Each bad layout is rejected with the
// region's path, line:column and what to do.
func TestRegionsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, regions string
		path, want    string
		line, col     int
	}{
		{"overlap", `
    {"name": "a", "kind": "raw", "size": 256, "offset": 65536},
    {"name": "b", "kind": "raw", "size": 64, "offset": 65600}`,
			"regions[1].offset", `overlaps region "a"`, 11, 56},
		{"two writers on a triple buffer", `
    {"name": "frames", "kind": "triple_buffer", "size": 1024, "writers": ["physics", "audio"], "readers": ["renderer"]}`,
			"regions[0].writers", "exactly one writer, got 2", 10, 74},
		{"misaligned offset", `
    {"name": "a", "kind": "raw", "size": 64, "offset": 65540}`,
			"regions[0].offset", "not a multiple of 64", 10, 56},
		{"unknown component", `
    {"name": "a", "kind": "spsc_ring", "slot_size": 16, "slots": 8, "writers": ["physics"], "readers": ["rendrer"]}`,
			"regions[0].readers[0]", `component "rendrer" is not in the manifest`, 10, 105},
		{"unknown kind", `
    {"name": "a", "kind": "tripple_buffer", "size": 64}`,
			"regions[0].kind", "kind must be one of", 10, 27},
		{"ring not a power of two", `
    {"name": "a", "kind": "spsc_ring", "slot_size": 16, "slots": 12}`,
			"regions[0].slots", "power of two", 10, 66},
		{"duplicate name", `
    {"name": "a", "kind": "raw", "size": 64},
    {"name": "a", "kind": "raw", "size": 64}`,
			"regions[1].name", "declared twice", 11, 14},
		{"missing kind", `
    {"name": "a", "size": 64}`,
			"regions[0].kind", `missing required field "kind"`, 10, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Replace(regionsApp, "%s", tc.regions, 1)), "app.json")
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			for _, e := range list {
				if e.Path == tc.path && strings.Contains(e.Msg, tc.want) {
					if e.Line != tc.line || e.Column != tc.col {
						t.Errorf("%s at %d:%d, want %d:%d", e.Path, e.Line, e.Column, tc.line, tc.col)
					}
					return
				}
			}
			t.Fatalf("no error at %s containing %q; got:\n%v", tc.path, tc.want, err)
		})
	}
}

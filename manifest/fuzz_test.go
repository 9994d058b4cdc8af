package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	full, err := os.ReadFile("testdata/full/wasmplane.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(full),
		brokenManifest,
		boundaryApp,
		proxyApp,
		`{"version": 1, "components": [{"name": "a", "kind": "go", "factory": "f", "priority": 0}], "boundary": {"pairs": [{"caller": "host", "callee": "a", "fallback": {"threshold": 0}}, {"caller": "host", "callee": "a"}]}}`,
		`{"version": 1, "components": [{"name": "a", "kind": "wasm", "module": "a.wasm"}]}`,
		`{"version": 1, "components": [{"name": "a", "kind": "go", "factory": "f", "links": {"self": "a"}}]}`,
		`{"version": 1, "components": [{"name": "w", "kind": "wasi-command", "source": "./w", "args": ["-v"], "env": {"K": "V"}, "preopens": [{"host": ".", "guest": "/"}]}]}`,
		`{"version": 1, "components": [{"name": "a", "kind": "go", "factory": "f", "mailbox": {"overflow": "fail", "block_timeout": "1s"}}]}`,
		`{"version": 1, "components": [{"name": "a", "kind": "go", "factory": "f", "config": {"k": "\ud83d\ude00", "k": 1}}]}`,
		`{"version": 1, "name": "日本", "components": [1, "x", null, {"name": "a"}]}`,
		`{"version": 1,}`,
		`{"name": "a\qb"}`,
		"\ufeff{\"version\": 1}",
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, "app.json")
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || list.Len() == 0 || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v (%T) is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Column < 1 || e.File != "app.json" || e.Msg == "" {
					t.Fatalf("error without a position or message: %#v", e)
				}
			}
			if strings.HasPrefix(list[0].Msg, "syntax error") && len(list) != 1 {
				t.Fatalf("a syntax error came with others:\n%v", err)
			}
			if m != nil {
				t.Fatal("Parse returned a manifest with an error")
			}
			return
		}
		if !json.Valid(bomless(data)) {
			t.Fatalf("Parse accepted invalid JSON %q", data)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Parse accepted a manifest that Validate rejects:\n%v", err)
		}
	})
}

// bomless returns data without a leading UTF-8 byte order mark, which Parse
// skips and encoding/json does not.
func bomless(data []byte) []byte {
	if len(data) >= len(bom) && string(data[:len(bom)]) == string(bom) {
		return data[len(bom):]
	}
	return data
}

// FuzzScan checks the position-tracking parser against encoding/json: it
// accepts the same documents (short of its nesting limit and of invalid
// UTF-8, which it rejects) and reads the same values.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		`{"a": [1, -2.5e+3, true, false, null, "x\u00e9\ud83d\ude00"], "b": {}}`,
		`{"a": 1, "a": 2}`, `"\ud800"`, `[1,]`, `0`, `-0.0E-0`, " \t\r\n[] ", `{"a" 1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, serr := parseJSON(newSource("", data))
		wantOK := json.Valid(bomless(data)) && utf8.Valid(data)
		if serr != nil {
			if wantOK && !strings.Contains(serr.msg, "nest more than") {
				t.Fatalf("rejected valid JSON %q: %s", data, serr.msg)
			}
			return
		}
		if !wantOK {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		dec := json.NewDecoder(bytes.NewReader(bomless(data)))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if got := n.value(); !reflect.DeepEqual(got, want) {
			t.Fatalf("parseJSON(%q) = %#v, encoding/json = %#v", data, got, want)
		}
	})
}

// value converts n to what encoding/json decodes with UseNumber; as there,
// the last of duplicate keys wins.
func (n *node) value() any {
	switch n.kind {
	case kindNull:
		return nil
	case kindBool:
		return n.bool
	case kindNumber:
		return json.Number(n.str)
	case kindString:
		return n.str
	case kindArray:
		a := make([]any, len(n.elems))
		for i, e := range n.elems {
			a[i] = e.value()
		}
		return a
	default:
		m := make(map[string]any, len(n.fields))
		for _, f := range n.fields {
			m[f.key] = f.val.value()
		}
		return m
	}
}

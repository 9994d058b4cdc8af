package boundary

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func mustType(t testing.TB, s string) *Type {
	t.Helper()
	ty, err := ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

func TestParseType(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "i32", want: "i32"},
		{in: " list < record{ name:string , mass: f64 } > ", want: "list<record{name: string, mass: f64}>"},
		{in: "record{a: list<list<bytes>>, b: bool, c: record{d: i64, e: f32}}", want: "record{a: list<list<bytes>>, b: bool, c: record{d: i64, e: f32}}"},
		{in: "", err: "expected a type"},
		{in: "int", err: `unknown type "int"`},
		{in: "list<i32", err: `expected '>'`},
		{in: "record{}", err: "expected a field name"},
		{in: "record{a: i32, a: i64}", err: `duplicate field "a"`},
		{in: "i32 i64", err: "after the type"},
		{in: strings.Repeat("list<", 40) + "i32" + strings.Repeat(">", 40), err: "nested deeper than 32"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ty, err := ParseType(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrBadType) {
					t.Fatalf("err = %v, want %q wrapping ErrBadType", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ty.String() != tc.want {
				t.Fatalf("String() = %q, want %q", ty.String(), tc.want)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  string
		in   any
		want any // decoded, when it differs from in
		enc  []byte
	}{
		{name: "i32", typ: "i32", in: int32(-2), enc: []byte{0xfe, 0xff, 0xff, 0xff}},
		{name: "i32 from int", typ: "i32", in: 7, want: int32(7), enc: []byte{7, 0, 0, 0}},
		{name: "i64", typ: "i64", in: int64(1) << 40, enc: []byte{0, 0, 0, 0, 0, 1, 0, 0}},
		{name: "i64 from int", typ: "i64", in: -1, want: int64(-1), enc: bytes.Repeat([]byte{0xff}, 8)},
		{name: "f32", typ: "f32", in: float32(1.5), enc: binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))},
		{name: "f64", typ: "f64", in: math.Inf(-1), enc: binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Inf(-1)))},
		{name: "bool", typ: "bool", in: true, enc: []byte{1}},
		{name: "string", typ: "string", in: "hé", enc: []byte{3, 0, 0, 0, 'h', 0xc3, 0xa9}},
		{name: "bytes", typ: "bytes", in: []byte{9, 8}, enc: []byte{2, 0, 0, 0, 9, 8}},
		{name: "empty bytes", typ: "bytes", in: []byte{}, enc: []byte{0, 0, 0, 0}},
		{name: "list", typ: "list<bool>", in: []any{true, false}, enc: []byte{2, 0, 0, 0, 1, 0}},
		{name: "record in field order", typ: "record{b: bool, a: i32}", in: map[string]any{"a": int32(5), "b": true}, enc: []byte{1, 5, 0, 0, 0}},
		{name: "nested", typ: "list<record{name: string, tags: list<string>}>",
			in:  []any{map[string]any{"name": "x", "tags": []any{"a", ""}}},
			enc: []byte{1, 0, 0, 0, 1, 0, 0, 0, 'x', 2, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ty := mustType(t, tc.typ)
			enc, err := Encode(nil, ty, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, tc.enc) {
				t.Fatalf("Encode = % x, want % x", enc, tc.enc)
			}
			got, err := Decode(ty, enc)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == nil {
				want = tc.in
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Decode = %#v, want %#v", got, want)
			}
		})
	}
}

func TestCheckValuePath(t *testing.T) {
	body := "record{name: string, mass: f64, pos: list<f64>}"
	ty := mustType(t, "list<"+body+">")
	good := func() map[string]any { return map[string]any{"name": "b", "mass": 1.0, "pos": []any{0.0, 1.0}} }
	bad := func(k string, v any) []any {
		m := good()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return []any{good(), good(), good(), m}
	}
	for _, tc := range []struct {
		name, path, expected, got string
		v                         any
	}{
		{name: "scalar", v: bad("mass", "heavy"), path: "[3].mass", expected: "f64", got: "string"},
		{name: "list elem", v: bad("pos", []any{0.0, int32(1)}), path: "[3].pos[1]", expected: "f64", got: "i32"},
		{name: "missing field", v: bad("mass", nil), path: "[3].mass", expected: "f64", got: "nothing (field missing)"},
		{name: "unknown field", v: func() []any { m := good(); m["spin"] = 1.0; return []any{m} }(), path: "[0]", expected: body, got: `unknown field "spin"`},
		{name: "not a list", v: "x", path: "", expected: "list<" + body + ">", got: "string"},
		{name: "bad utf8", v: bad("name", "\xff"), path: "[3].name", expected: "string (valid UTF-8)", got: "invalid UTF-8"},
		{name: "go type", v: []any{[]int{1}}, path: "[0]", expected: body, got: "Go []int"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(ty, tc.v)
			var te *TypeError
			if !errors.As(err, &te) || !errors.Is(err, ErrType) {
				t.Fatalf("err = %v, want *TypeError", err)
			}
			if te.Path != tc.path || te.Expected != tc.expected || te.Got != tc.got || te.Offset != -1 {
				t.Fatalf("got %+v, want path %q expected %q got %q", te, tc.path, tc.expected, tc.got)
			}
		})
	}
	if err := Check(I32, 1<<40); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("int out of i32 range: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	u32 := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, tc := range []struct {
		name, typ string
		in        []byte
		path      string
		offset    int
		msg       string
	}{
		{name: "short i32", typ: "i32", in: []byte{1, 2}, offset: 0, msg: "expected i32 (4 bytes), got 2 bytes"},
		{name: "bool not 0/1", typ: "list<bool>", in: cat(u32(2), []byte{1, 7}), path: "[1]", offset: 5, msg: "expected bool (0 or 1), got byte 7"},
		{name: "string too long", typ: "string", in: cat(u32(100), []byte("abc")), offset: 0, msg: "of 100 bytes, got 3 bytes left"},
		{name: "huge count", typ: "list<i64>", in: cat(u32(0xffffffff), []byte{1, 2, 3, 4, 5}), offset: 0, msg: "of 4294967295 elements, got 5 bytes left"},
		{name: "count times min size", typ: "list<record{a: i32, b: i32}>", in: cat(u32(2), make([]byte, 15)), offset: 0, msg: "of 2 elements"},
		{name: "bad utf8 deep", typ: "record{a: i32, s: list<string>}", in: cat(u32(1), u32(1), u32(1), []byte{0xff}), path: ".s[0]", offset: 8, msg: "invalid UTF-8"},
		{name: "trailing", typ: "bool", in: []byte{1, 0}, offset: 1, msg: "1 trailing bytes"},
		{name: "empty", typ: "bytes", in: nil, offset: 0, msg: "got 0 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(mustType(t, tc.typ), tc.in)
			var te *TypeError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TypeError", err)
			}
			if te.Path != tc.path || te.Offset != tc.offset || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v (path %q offset %d), want path %q offset %d containing %q", err, te.Path, te.Offset, tc.path, tc.offset, tc.msg)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	ty := mustType(t, "list<list<list<i32>>>")
	enc, err := Encode(nil, ty, []any{[]any{[]any{int32(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeLimits(ty, enc, Limits{MaxDepth: 3}); err == nil || !strings.Contains(err.Error(), "nesting within 3") {
		t.Fatalf("depth limit: %v", err)
	}
	if _, err := DecodeLimits(ty, enc, Limits{MaxSize: 8}); err == nil || !strings.Contains(err.Error(), "at most 8 bytes") {
		t.Fatalf("size limit: %v", err)
	}
	if _, err := DecodeLimits(ty, enc, Limits{}); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeNoAlias: decoded bytes never point into the input.
func TestDecodeNoAlias(t *testing.T) {
	in := []byte{2, 0, 0, 0, 'a', 'b'}
	v, err := Decode(Bytes, in)
	if err != nil {
		t.Fatal(err)
	}
	in[4] = 'z'
	if string(v.([]byte)) != "ab" {
		t.Fatalf("decoded bytes alias the input: %q", v)
	}
}

var fuzzTypes = []string{
	"i32", "f64", "bool", "string", "bytes",
	"list<i64>",
	"list<record{name: string, mass: f64, pos: list<f32>, live: bool}>",
	"record{a: list<list<bytes>>, b: record{c: i32, d: list<string>}}",
}

func FuzzDecode(f *testing.F) {
	seeds := []struct {
		typ int
		v   any
	}{
		{0, int32(7)}, {1, 3.5}, {2, true}, {3, "héllo"}, {4, []byte{0, 1, 2}},
		{5, []any{int64(1), int64(-1)}},
		{6, []any{map[string]any{"name": "b", "mass": 2.0, "pos": []any{float32(1)}, "live": false}}},
		{7, map[string]any{"a": []any{[]any{[]byte("x")}, []any{}}, "b": map[string]any{"c": int32(1), "d": []any{"s"}}}},
	}
	for _, s := range seeds {
		enc, err := Encode(nil, mustType(f, fuzzTypes[s.typ]), s.v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(s.typ), enc)
	}
	f.Add(uint8(5), []byte{0xff, 0xff, 0xff, 0xff})
	f.Add(uint8(6), []byte{0xff, 0xff, 0xff, 0x7f, 1})
	types := make([]*Type, len(fuzzTypes))
	for i, s := range fuzzTypes {
		types[i] = mustType(f, s)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		ty := types[int(which)%len(types)]
		v, err := DecodeLimits(ty, data, Limits{MaxSize: 1 << 16})
		if err != nil {
			var te *TypeError
			if !errors.As(err, &te) {
				t.Fatalf("error is not a *TypeError: %v", err)
			}
			return
		}
		// A decoded value is valid, and the encoding is canonical: it
		// re-encodes to exactly the input.
		enc, err := Encode(nil, ty, v)
		if err != nil {
			t.Fatalf("decoded value does not re-encode: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding differs:\n in % x\nout % x", data, enc)
		}
	})
}

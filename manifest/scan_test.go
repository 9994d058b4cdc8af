package manifest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSyntaxErrors(t *testing.T) {
	deep := `{"version": 1, "config": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`
	tests := []struct {
		name      string
		doc       string
		line, col int
		msg       string
	}{
		{"empty", "", 1, 1, "syntax error: unexpected end of input; expected a value"},
		{"truncated", "{\n  \"version\": 1,\n  \"components\": [", 3, 18, "syntax error: unexpected end of input; expected a value"},
		{"truncated string", "{\n  \"name\": \"quick", 2, 17, `syntax error: unexpected end of input in the string that starts at 2:11; expected '"'`},
		{"trailing garbage", "{\"version\": 1}\n}", 2, 1, "syntax error: unexpected '}' after the end of the document"},
		{"bad escape", "{\n  \"name\": \"a\\qb\"\n}", 2, 14, `syntax error: invalid escape: 'q' after '\' in a string; valid escapes are`},
		{"bad unicode escape", `{"name": "\u12G4"}`, 1, 11, `\u must be followed by 4 hex digits`},
		{"trailing comma in object", `{"version": 1,}`, 1, 15, "trailing commas are not allowed"},
		{"trailing comma in array", `{"components": [1,]}`, 1, 19, "trailing commas are not allowed"},
		{"missing colon", `{"version" 1}`, 1, 12, `syntax error: unexpected '1' after key "version"; expected ':'`},
		{"missing comma", "{\"version\": 1\n \"name\": \"x\"}", 2, 2, `unexpected '"' after the value of "version"; expected ',' or '}'`},
		{"unquoted key", `{version: 1}`, 1, 2, "syntax error: unexpected 'v'; expected a key in double quotes"},
		{"single quotes", `{'version': 1}`, 1, 2, `unexpected '\''; expected a key in double quotes`},
		{"newline in string", "{\"name\": \"a\nb\"}", 1, 12, "unexpected newline in a string"},
		{"tab in string", "{\"name\": \"a\tb\"}", 1, 12, "unexpected control character 0x09 in a string"},
		{"invalid UTF-8", "{\"name\": \"é\xff\"}", 1, 12, "invalid UTF-8 byte 0xff in a string"},
		{"bad literal", `{"version": tru}`, 1, 16, "syntax error: unexpected '}' in literal true"},
		{"leading zero", `{"version": 01}`, 1, 14, `unexpected '1' after the value of "version"`},
		{"bare minus", `{"version": -}`, 1, 14, "unexpected '}' in a number; expected a digit"},
		{"bad fraction", `{"version": 1.}`, 1, 15, "expected a digit after '.'"},
		{"bad exponent", `{"version": 1e}`, 1, 15, "expected a digit in the exponent"},
		{"non-ASCII outside strings", "{\"version\": 1, é}", 1, 16, "unexpected 'é'; expected a key in double quotes"},
		{"too deep", deep, 1, 89, "objects and arrays nest more than 64 levels deep"},
		{"columns count code points", "{\"name\": \"日本語\", x}", 1, 17, "unexpected 'x'"},
		{"CRLF", "{\r\n\"a\": 1,\r\n}", 3, 1, "trailing commas are not allowed"},
		{"BOM", "\ufeff{,}", 1, 2, "unexpected ','"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "app.json")
			var list ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("got %v, want one error", err)
			}
			e := list[0]
			if e.Line != tt.line || e.Column != tt.col || e.Path != "" || !strings.HasPrefix(e.Msg, "syntax error: ") || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %v\nwant app.json:%d:%d: …%s…", e, tt.line, tt.col, tt.msg)
			}
		})
	}
}

// TestNestingLimit checks that 64 levels are accepted and that very deep
// input is an error, not a stack overflow.
func TestNestingLimit(t *testing.T) {
	ok := `{"version": 1, "components": [{"name": "a", "kind": "go", "factory": "f", "config": {"x": ` +
		strings.Repeat("[", 60) + strings.Repeat("]", 60) + `}}]}` // 64 levels in all
	if _, err := Parse([]byte(ok), ""); err != nil {
		t.Errorf("64 levels: %v", err)
	}
	if _, err := Parse([]byte(strings.Repeat("[", 1_000_000)), ""); err == nil || !strings.Contains(err.Error(), "nest more than 64") {
		t.Errorf("1e6 levels: %v", err)
	}
}

// TestStrings checks the decoding of string escapes against encoding/json.
func TestStrings(t *testing.T) {
	for _, lit := range []string{
		`""`, `"plain"`, `"日本語 ✓"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u65E5"`,
		`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, `"a\u0000b"`,
	} {
		t.Run(lit, func(t *testing.T) {
			var want string
			if err := json.Unmarshal([]byte(lit), &want); err != nil {
				t.Fatal(err)
			}
			n, serr := parseJSON(newSource("", []byte(lit)))
			if serr != nil {
				t.Fatalf("parseJSON: %s", serr.msg)
			}
			if n.str != want {
				t.Errorf("got %q, want %q", n.str, want)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	for _, tt := range []struct{ path, parent string }{
		{"", ""},
		{"version", ""},
		{"components[2]", "components"},
		{"components[2].mailbox.overflow", "components[2].mailbox"},
		{fieldPath("components[0].env", "A.B"), "components[0].env"},
		{fieldPath("components[0].env", `x"].y[`), "components[0].env"},
		{fieldPath(fieldPath("", "a b"), "c"), `["a b"]`},
	} {
		if got := parentPath(tt.path); got != tt.parent {
			t.Errorf("parentPath(%q) = %q, want %q", tt.path, got, tt.parent)
		}
	}
	if got := fieldPath("components[0].env", "MY VAR"); got != `components[0].env["MY VAR"]` {
		t.Errorf("fieldPath = %s", got)
	}
}

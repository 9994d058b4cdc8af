package manifest_test

import (
	"errors"
	"fmt"

	"github.com/wasmplane/wasmplane/manifest"
)

func ExampleParse() {
	data := []byte(`{
  "version": 1,
  "components": [
    {"name": "tokenizer", "kind": "wasm", "module": "tokenizer.wasm",
     "mailbox": {"overflow": "dropp"}, "links": {"out": "countr"}},
    {"name": "counter", "kind": "wasm", "modul": "counter.wasm", "instances": 0}
  ]
}`)
	_, err := manifest.Parse(data, "wasmplane.json")
	fmt.Println(err)

	var list manifest.ErrorList
	if errors.As(err, &list) {
		fmt.Println(list.Len(), "errors; first at line", list[0].Line)
	}
	// Output:
	// wasmplane.json:5:30: components[0].mailbox.overflow: overflow must be one of block, drop, fail; got "dropp"
	// wasmplane.json:5:57: components[0].links.out: link "out" names unknown component "countr"; did you mean "counter"?
	// wasmplane.json:6:5: components[1]: component "counter" of kind wasm needs module (a .wasm file) or source (a Go guest directory)
	// wasmplane.json:6:41: components[1].modul: unknown field "modul"; did you mean "module"?
	// wasmplane.json:6:79: components[1].instances: instances must be between 1 and 1024; got 0
	// 5 errors; first at line 5
}

func ExampleLoad() {
	m, err := manifest.Load("testdata/full")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range m.Components {
		fmt.Printf("%s (%s): %d instance(s), mailbox %d/%s\n", c.Name, c.Kind, c.Instances, c.Mailbox.Capacity, c.Mailbox.Overflow)
	}
	// Output:
	// tokenizer (wasm): 4 instance(s), mailbox 64/block
	// counter (wasm): 1 instance(s), mailbox 1024/block
	// print (go): 1 instance(s), mailbox 1024/drop
	// wc (wasi-command): 1 instance(s), mailbox 1024/block
}

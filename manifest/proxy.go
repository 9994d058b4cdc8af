package manifest

import (
	"slices"
	"strings"
)

// Proxy wraps an unmodified Wasm module, one that does not implement the
// wasmplane guest ABI, as the exporter of one interface: each operation of
// the interface calls an export of the module.
//
// A proxy component exports its interface implicitly; it is not listed in
// the component's Exports, which name interfaces whose operations are
// exported under the guest ABI's "iface.op" names. Use
// [Component.ExportedInterfaces] for every interface a component serves.
type Proxy struct {
	// Interface names an interface of the manifest.
	Interface string
	// Exports maps an operation of the interface to the name of the
	// module's export that implements it; an operation it leaves out is
	// the export of the same name (the operation's name, without the
	// interface). See [Proxy.Export].
	Exports map[string]string
	// Line and Column locate the proxy object.
	Line, Column int
}

// Export returns the name of the module export that implements the
// operation op (its name without the interface).
func (px *Proxy) Export(op string) string {
	if e, ok := px.Exports[op]; ok {
		return e
	}
	return op
}

// ExportedInterfaces returns the interfaces c serves: its Exports, then its
// proxy's interface if it has a proxy. It never appends to c.Exports.
func (c *Component) ExportedInterfaces() []string {
	if c.Proxy == nil || c.Proxy.Interface == "" || slices.Contains(c.Exports, c.Proxy.Interface) {
		return c.Exports
	}
	return append(slices.Clip(c.Exports), c.Proxy.Interface)
}

var proxyFields = []field[Proxy]{
	{"interface", func(d *decoder, px *Proxy, v *node, p string) { px.Interface = d.str(v, p, "interface") }},
	{"exports", func(d *decoder, px *Proxy, v *node, p string) {
		px.Exports = d.stringMap(v, p, "exports", "export name")
	}},
}

func decodeProxy(d *decoder, v *node, p string) *Proxy {
	px := &Proxy{}
	px.Line, px.Column = d.src.position(v.off)
	decodeObject(d, v, p, "proxy", proxyFields, px)
	return px
}

// proxy checks a component's proxy: kind wasm, a declared interface, and
// export mappings for operations of that interface only.
func (v *validator) proxy(c *Component, p string, ins []Interface, declared map[string]bool) {
	px := c.Proxy
	if px == nil {
		return
	}
	pp := p + ".proxy"
	if c.Kind != KindWasm && isOneOf(c.Kind, kinds) {
		v.errorf(pp, "proxy is only allowed for kind wasm (it wraps an unmodified core Wasm module); got kind %s", c.Kind)
	}
	ip := pp + ".interface"
	switch {
	case px.Interface == "" && !v.present(ip):
		v.missing(ip, `; name the interface the module implements, declared in "interfaces"`)
		return
	case !declared[px.Interface]:
		v.errorf(ip, "interface %q is not declared in \"interfaces\"%s", truncate(px.Interface), knownList(sortedKeys(declared)))
		return
	}
	for i, name := range c.Exports {
		if name == px.Interface {
			v.errorf(indexPath(p+".exports", i), "interface %q is served through proxy; a proxy component exports its interface implicitly, so remove it from exports", name)
		}
	}
	var ops []string
	for _, in := range ins {
		if in.Name == px.Interface {
			for _, o := range in.Operations {
				ops = append(ops, o.Name)
			}
			break
		}
	}
	for _, op := range sortedKeys(px.Exports) {
		ep := fieldPath(pp+".exports", op)
		if !slices.Contains(ops, op) {
			v.keyErrorf(ep, "%q is not an operation of interface %q; operations: %s", truncate(op), px.Interface, opList(ops))
		}
		v.nonEmpty(ep, "export name", px.Exports[op])
	}
}

func opList(ops []string) string {
	if len(ops) == 0 {
		return "(none)"
	}
	return strings.Join(slices.Sorted(slices.Values(ops)), ", ")
}

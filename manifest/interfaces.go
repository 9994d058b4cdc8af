package manifest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// Interface is a named set of typed operations that components export
// (implement) and import (call). Types are written as in docs/boundary.md:
// i32, i64, f32, f64, bool, string, bytes, list<T>, record{name: T, …}.
type Interface struct {
	// Name is an identifier ([A-Za-z_][A-Za-z0-9_]*), unique in the manifest.
	Name string
	// Operations are called as "Name.op".
	Operations []Operation
	// Line and Column locate the interface object.
	Line, Column int
}

// Operation is one typed operation of an interface.
type Operation struct {
	Name    string
	Params  []Param
	Results []Param
}

// Param is a named, typed parameter or result.
type Param struct {
	Name string
	Type string
}

func decodeInterfaces(d *decoder, v *node, p string) []Interface {
	if v.kind != kindArray {
		d.mismatch(v, p, "interfaces", "an array of interface objects")
		return nil
	}
	out := make([]Interface, len(v.elems))
	for i, e := range v.elems {
		ep := indexPath(p, i)
		d.src.locs[ep] = loc{-1, e.off}
		out[i].Line, out[i].Column = d.src.position(e.off)
		decodeObject(d, e, ep, "interface", interfaceFields, &out[i])
	}
	return out
}

var interfaceFields = []field[Interface]{
	{"name", func(d *decoder, in *Interface, v *node, p string) { in.Name = d.str(v, p, "name") }},
	{"operations", func(d *decoder, in *Interface, v *node, p string) {
		if v.kind != kindArray {
			d.mismatch(v, p, "operations", "an array of operation objects")
			return
		}
		in.Operations = make([]Operation, len(v.elems))
		for i, e := range v.elems {
			ep := indexPath(p, i)
			d.src.locs[ep] = loc{-1, e.off}
			decodeObject(d, e, ep, "operation", operationFields, &in.Operations[i])
		}
	}},
}

var operationFields = []field[Operation]{
	{"name", func(d *decoder, o *Operation, v *node, p string) { o.Name = d.str(v, p, "name") }},
	{"params", func(d *decoder, o *Operation, v *node, p string) { o.Params = decodeParams(d, v, p, "params") }},
	{"results", func(d *decoder, o *Operation, v *node, p string) { o.Results = decodeParams(d, v, p, "results") }},
}

var paramFields = []field[Param]{
	{"name", func(d *decoder, pa *Param, v *node, p string) { pa.Name = d.str(v, p, "name") }},
	{"type", func(d *decoder, pa *Param, v *node, p string) { pa.Type = d.str(v, p, "type") }},
}

func decodeParams(d *decoder, v *node, p, label string) []Param {
	if v.kind != kindArray {
		d.mismatch(v, p, label, "an array of {name, type} objects")
		return nil
	}
	out := make([]Param, len(v.elems))
	for i, e := range v.elems {
		ep := indexPath(p, i)
		d.src.locs[ep] = loc{-1, e.off}
		decodeObject(d, e, ep, "parameter", paramFields, &out[i])
	}
	return out
}

func validIdent(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i, c := range s {
		if c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// interfaces validates the interface declarations and returns their names.
func (v *validator) interfaces(ins []Interface) map[string]bool {
	names := map[string]bool{}
	for i, in := range ins {
		p := indexPath("interfaces", i)
		switch {
		case !validIdent(in.Name):
			v.errorf(p+".name", "interface name must be an identifier ([A-Za-z_][A-Za-z0-9_]*); got %q", truncate(in.Name))
		case names[in.Name]:
			v.errorf(p+".name", "interface %q is declared twice", in.Name)
		}
		names[in.Name] = true
		ops := map[string]bool{}
		for j, o := range in.Operations {
			op := indexPath(p+".operations", j)
			if !validIdent(o.Name) {
				v.errorf(op+".name", "operation name must be an identifier; got %q", truncate(o.Name))
			} else if ops[o.Name] {
				v.errorf(op+".name", "operation %q is declared twice in %q", o.Name, in.Name)
			}
			ops[o.Name] = true
			for what, ps := range map[string][]Param{"params": o.Params, "results": o.Results} {
				for k, pa := range ps {
					pp := indexPath(op+"."+what, k)
					if !validIdent(pa.Name) {
						v.errorf(pp+".name", "parameter name must be an identifier; got %q", truncate(pa.Name))
					}
					if _, err := boundary.ParseType(pa.Type); err != nil {
						v.errorf(pp+".type", "%v", err)
					}
				}
			}
		}
	}
	return names
}

// interfaceRefs checks that a component's exports and imports name
// declared interfaces.
func (v *validator) interfaceRefs(c *Component, p string, declared map[string]bool) {
	for what, list := range map[string][]string{"exports": c.Exports, "imports": c.Imports} {
		for i, name := range list {
			if !declared[name] {
				known := make([]string, 0, len(declared))
				for n := range declared {
					known = append(known, n)
				}
				v.errorf(indexPath(p+"."+what, i), "interface %q is not declared in \"interfaces\"%s", truncate(name), knownList(known))
			}
		}
	}
}

func knownList(names []string) string {
	if len(names) == 0 {
		return " (none are)"
	}
	slices.Sort(names)
	return fmt.Sprintf("; declared: %s", strings.Join(names, ", "))
}

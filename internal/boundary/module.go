package boundary

import (
	"fmt"
	"strings"
)

// ValueType is a core Wasm value type, with the same encoding as wazero's
// api.ValueType (so the engine converts with a plain cast).
type ValueType byte

// The core Wasm value types.
const (
	ValueI32 ValueType = 0x7f
	ValueI64 ValueType = 0x7e
	ValueF32 ValueType = 0x7d
	ValueF64 ValueType = 0x7c
)

func (v ValueType) String() string {
	switch v {
	case ValueI32:
		return "i32"
	case ValueI64:
		return "i64"
	case ValueF32:
		return "f32"
	case ValueF64:
		return "f64"
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(v))
}

// FuncSig is a module's actual exported function: its name and core
// signature.
type FuncSig struct {
	Name    string
	Params  []ValueType
	Results []ValueType
}

func sigString(ps, rs []ValueType) string {
	f := func(vs []ValueType) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = v.String()
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return f(ps) + " -> " + f(rs)
}

// CoreSlot is one core Wasm value of an operation's lowered signature.
type CoreSlot struct {
	// Type is the core type.
	Type ValueType
	// Param names the declared parameter or result it carries.
	Param string
	// Part is "" for a scalar, "ptr" or "len" for a buffer, "packed" for
	// the packed result of composite results.
	Part string
}

func (s CoreSlot) name() string {
	if s.Part == "" {
		return fmt.Sprintf("%q", s.Param)
	}
	return fmt.Sprintf("%q (%s)", s.Param, s.Part)
}

// CoreSignature lowers the operation to its core Wasm signature (the ABI
// call convention in docs/boundary.md): scalars map to one core value
// (bool to i32); string, bytes, list and record to (ptr i32, len i32).
// Results map one to one when all are scalars; otherwise there is one i64
// result packing ptr<<32 | len of the canonical encoding of all results.
func (o *Operation) CoreSignature() (params, results []CoreSlot) {
	for _, p := range o.Decl.Params {
		if vt, ok := scalarCore(p.Type.Kind); ok {
			params = append(params, CoreSlot{Type: vt, Param: p.Name})
		} else {
			params = append(params, CoreSlot{Type: ValueI32, Param: p.Name, Part: "ptr"}, CoreSlot{Type: ValueI32, Param: p.Name, Part: "len"})
		}
	}
	composite := false
	for _, p := range o.Decl.Results {
		if !p.Type.Kind.Scalar() {
			composite = true
		}
	}
	if composite {
		names := make([]string, len(o.Decl.Results))
		for i, p := range o.Decl.Results {
			names[i] = p.Name
		}
		return params, []CoreSlot{{Type: ValueI64, Param: strings.Join(names, ","), Part: "packed"}}
	}
	for _, p := range o.Decl.Results {
		vt, _ := scalarCore(p.Type.Kind)
		results = append(results, CoreSlot{Type: vt, Param: p.Name})
	}
	return params, results
}

func scalarCore(k Kind) (ValueType, bool) {
	switch k {
	case KindI32, KindBool:
		return ValueI32, true
	case KindI64:
		return ValueI64, true
	case KindF32:
		return ValueF32, true
	case KindF64:
		return ValueF64, true
	}
	return 0, false
}

// Mismatch is one difference between a declared operation and a module's
// export.
type Mismatch struct {
	// Op is the operation's full name, which is also the export name.
	Op string
	// Param names the parameter or result slot, empty for the whole export.
	Param string
	// Expected and Actual are core types or signatures.
	Expected string
	Actual   string
}

func (m Mismatch) String() string {
	if m.Param == "" {
		return fmt.Sprintf("op %q: expected export %s, got %s", m.Op, m.Expected, m.Actual)
	}
	return fmt.Sprintf("op %q %s: expected %s, got %s", m.Op, m.Param, m.Expected, m.Actual)
}

// ModuleError lists every way a module's exports differ from the
// interfaces its component declares. What to do: fix the module's export
// (name or signature) or the interface declaration.
type ModuleError struct {
	Component  string
	Mismatches []Mismatch
}

func (e *ModuleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "component %q: module does not match its interfaces:", e.Component)
	for _, m := range e.Mismatches {
		b.WriteString("\n\t")
		b.WriteString(m.String())
	}
	return b.String()
}

// Is matches ErrModule.
func (e *ModuleError) Is(target error) bool { return target == ErrModule }

// CheckModule compares every operation of the interfaces a component
// exports with the module's actual exports and returns a *ModuleError
// listing all mismatches, or nil. Exports that belong to no declared
// operation are ignored.
func (r *Registry) CheckModule(component string, exports []string, actual []FuncSig) error {
	byName := make(map[string]*FuncSig, len(actual))
	for i := range actual {
		byName[actual[i].Name] = &actual[i]
	}
	e := &ModuleError{Component: component}
	for _, in := range exports {
		iface, ok := r.Interface(in)
		if !ok {
			e.Mismatches = append(e.Mismatches, Mismatch{Op: in + ".*", Expected: "a defined interface", Actual: "unknown interface"})
			continue
		}
		for _, d := range iface.Ops {
			o, _ := r.Lookup(in + "." + d.Name)
			e.Mismatches = append(e.Mismatches, compareSig(o, byName[o.Name])...)
		}
	}
	if len(e.Mismatches) == 0 {
		return nil
	}
	return e
}

func compareSig(o *Operation, got *FuncSig) []Mismatch {
	ps, rs := o.CoreSignature()
	if got == nil {
		return []Mismatch{{Op: o.Name, Expected: sigString(coreTypes(ps), coreTypes(rs)), Actual: "no such export"}}
	}
	var ms []Mismatch
	cmp := func(what string, want []CoreSlot, have []ValueType) {
		n := max(len(want), len(have))
		for i := 0; i < n; i++ {
			switch {
			case i >= len(have):
				ms = append(ms, Mismatch{Op: o.Name, Param: what + " " + want[i].name(), Expected: want[i].Type.String(), Actual: fmt.Sprintf("nothing (the export has %d core %ss)", len(have), what)})
			case i >= len(want):
				ms = append(ms, Mismatch{Op: o.Name, Param: fmt.Sprintf("%s #%d", what, i), Expected: fmt.Sprintf("nothing (the operation lowers to %d core %ss)", len(want), what), Actual: have[i].String()})
			case want[i].Type != have[i]:
				ms = append(ms, Mismatch{Op: o.Name, Param: what + " " + want[i].name(), Expected: want[i].Type.String(), Actual: have[i].String()})
			}
		}
	}
	cmp("param", ps, got.Params)
	cmp("result", rs, got.Results)
	return ms
}

func coreTypes(s []CoreSlot) []ValueType {
	out := make([]ValueType, len(s))
	for i, c := range s {
		out[i] = c.Type
	}
	return out
}

package boundary

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Interface is a named set of operations.
type Interface struct {
	// Name is the interface name, an identifier ("physics").
	Name string
	// Ops are its operations; their full names are "Name.op".
	Ops []Op
}

// Op declares one operation.
type Op struct {
	// Name is the operation name inside its interface ("step").
	Name string
	// Params are the arguments, in call order.
	Params []Param
	// Results are the return values, in order.
	Results []Param
}

// Param is a named, typed parameter or result.
type Param struct {
	Name string
	Type *Type
}

// Operation is a registered operation, resolved and immutable: the actor
// may look it up once and keep it.
type Operation struct {
	// Name is the full name, "iface.op".
	Name string
	// Iface is the interface it belongs to.
	Iface string
	// Decl is the declaration.
	Decl Op

	paramsMin  int
	resultsMin int
}

// RegistryOptions configure a Registry. The zero value is the default.
type RegistryOptions struct {
	// Logger receives resolution events (default slog.Default()).
	Logger *slog.Logger
	// Limits bound type nesting and encoded sizes (default DefaultLimits).
	Limits Limits
	// MaxEvents is how many resolution events Resolutions keeps: the
	// newest, older ones are dropped (default DefaultMaxEvents).
	MaxEvents int
}

// Registry holds interfaces, components' declarations and handler
// bindings. Lookups on the call path (Lookup, CheckCall, EncodeCall,
// DecodeCall) take no lock: they read an immutable snapshot that
// registration replaces.
type Registry struct {
	log *slog.Logger
	lim Limits

	ops atomic.Pointer[map[string]*Operation] // copy on write, under mu

	mu         sync.Mutex
	ifaces     map[string]*Interface
	components map[string]*ComponentDecl
	bindings   map[string]*binding
	events     eventLog[ResolutionEvent]
	seq        uint64
}

// NewRegistry makes an empty registry.
func NewRegistry(opts RegistryOptions) *Registry {
	r := &Registry{
		log:        opts.Logger,
		lim:        opts.Limits.norm(),
		ifaces:     make(map[string]*Interface),
		components: make(map[string]*ComponentDecl),
		bindings:   make(map[string]*binding),
		events:     newEventLog[ResolutionEvent](opts.MaxEvents),
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	m := map[string]*Operation{}
	r.ops.Store(&m)
	return r
}

// Define registers an interface. Names must be identifiers, operation and
// parameter names unique, types valid. Redefining a name is ErrDuplicate.
func (r *Registry) Define(in Interface) error {
	if !isIdent(in.Name) {
		return fmt.Errorf("interface %q: %w: the name must be an identifier", in.Name, ErrBadType)
	}
	newOps := make(map[string]*Operation, len(in.Ops))
	for _, op := range in.Ops {
		full := in.Name + "." + op.Name
		if !isIdent(op.Name) {
			return fmt.Errorf("interface %q: op %q: %w: the name must be an identifier", in.Name, op.Name, ErrBadType)
		}
		if newOps[full] != nil {
			return fmt.Errorf("interface %q: op %q: %w", in.Name, op.Name, ErrDuplicate)
		}
		o := &Operation{Name: full, Iface: in.Name, Decl: op}
		for _, list := range []struct {
			what string
			ps   []Param
			min  *int
		}{{"param", op.Params, &o.paramsMin}, {"result", op.Results, &o.resultsMin}} {
			seen := map[string]bool{}
			for _, p := range list.ps {
				if !isIdent(p.Name) || seen[p.Name] {
					return fmt.Errorf("op %q: %s %q: %w: names must be unique identifiers", full, list.what, p.Name, ErrBadType)
				}
				seen[p.Name] = true
				if err := p.Type.Validate(r.lim.MaxDepth); err != nil {
					return fmt.Errorf("op %q: %s %q: %w", full, list.what, p.Name, err)
				}
				*list.min += p.Type.minSize()
			}
		}
		newOps[full] = o
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ifaces[in.Name] != nil {
		return fmt.Errorf("interface %q: %w", in.Name, ErrDuplicate)
	}
	cp := in
	cp.Ops = append([]Op(nil), in.Ops...)
	r.ifaces[in.Name] = &cp
	old := *r.ops.Load()
	m := make(map[string]*Operation, len(old)+len(newOps))
	for k, v := range old {
		m[k] = v
	}
	for k, v := range newOps {
		m[k] = v
	}
	r.ops.Store(&m)
	return nil
}

// Interface returns the interface registered under name.
func (r *Registry) Interface(name string) (Interface, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.ifaces[name]
	if !ok {
		return Interface{}, false
	}
	return *in, true
}

// Lookup returns the operation with full name "iface.op".
func (r *Registry) Lookup(op string) (*Operation, bool) {
	o, ok := (*r.ops.Load())[op]
	return o, ok
}

func (r *Registry) op(op string) (*Operation, error) {
	o, ok := r.Lookup(op)
	if !ok {
		return nil, fmt.Errorf("op %q: %w: no registered interface declares it", op, ErrUnknownOp)
	}
	return o, nil
}

// CheckCall checks the arity and the type of every argument of a call to
// op, before anything runs. A mismatch is a *TypeError.
func (r *Registry) CheckCall(op string, args []any) error {
	o, err := r.op(op)
	if err != nil {
		return err
	}
	return o.CheckArgs(args, r.lim)
}

// EncodeCall checks args (as CheckCall) and appends their canonical
// encoding to dst.
func (r *Registry) EncodeCall(dst []byte, op string, args []any) ([]byte, error) {
	o, err := r.op(op)
	if err != nil {
		return dst, err
	}
	return o.EncodeArgs(dst, args, r.lim)
}

// DecodeCall decodes and checks a call's canonical argument bytes.
func (r *Registry) DecodeCall(op string, data []byte) ([]any, error) {
	o, err := r.op(op)
	if err != nil {
		return nil, err
	}
	return o.DecodeArgs(data, r.lim)
}

// CheckArgs checks arity and types of args. A mismatch is a *TypeError.
func (o *Operation) CheckArgs(args []any, lim Limits) error {
	return checkTuple(o.Name, "argument", o.Decl.Params, args, lim.norm())
}

// CheckResults checks a callee's results. A mismatch is a *TypeError.
func (o *Operation) CheckResults(res []any, lim Limits) error {
	return checkTuple(o.Name, "result", o.Decl.Results, res, lim.norm())
}

func checkTuple(op, what string, ps []Param, vs []any, lim Limits) error {
	if len(vs) != len(ps) {
		return &TypeError{Op: op, Expected: plural(len(ps), what) + " (" + tupleString(ps) + ")", Got: strconv.Itoa(len(vs)), Offset: -1}
	}
	for i, p := range ps {
		if err := checkValue(p.Type, vs[i], 1, lim.MaxDepth); err != nil {
			return err.typeError(op, p.Name)
		}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func tupleString(ps []Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name + ": " + p.Type.String())
	}
	return b.String()
}

// EncodeArgs checks args and appends their canonical encoding (the
// parameters concatenated in order) to dst.
func (o *Operation) EncodeArgs(dst []byte, args []any, lim Limits) ([]byte, error) {
	return encodeTuple(dst, o.Name, "argument", o.Decl.Params, args, lim.norm())
}

// EncodeResults checks res and appends their canonical encoding to dst.
func (o *Operation) EncodeResults(dst []byte, res []any, lim Limits) ([]byte, error) {
	return encodeTuple(dst, o.Name, "result", o.Decl.Results, res, lim.norm())
}

func encodeTuple(dst []byte, op, what string, ps []Param, vs []any, lim Limits) ([]byte, error) {
	if err := checkTuple(op, what, ps, vs, lim); err != nil {
		return dst, err
	}
	out := dst
	for i, p := range ps {
		out = appendValue(out, p.Type, vs[i])
	}
	if len(out)-len(dst) > lim.MaxSize {
		return dst, &TypeError{Op: op, Expected: fmt.Sprintf("an encoding of at most %d bytes", lim.MaxSize), Got: strconv.Itoa(len(out)-len(dst)) + " bytes", Offset: -1}
	}
	return out, nil
}

// DecodeArgs decodes and checks canonical argument bytes.
func (o *Operation) DecodeArgs(data []byte, lim Limits) ([]any, error) {
	return decodeTuple(o.Name, o.Decl.Params, o.paramsMin, data, lim.norm())
}

// DecodeResults decodes and checks canonical result bytes.
func (o *Operation) DecodeResults(data []byte, lim Limits) ([]any, error) {
	return decodeTuple(o.Name, o.Decl.Results, o.resultsMin, data, lim.norm())
}

func decodeTuple(op string, ps []Param, min int, data []byte, lim Limits) ([]any, error) {
	if len(data) > lim.MaxSize {
		return nil, &TypeError{Op: op, Expected: fmt.Sprintf("at most %d bytes", lim.MaxSize), Got: strconv.Itoa(len(data)) + " bytes", Offset: 0}
	}
	if len(data) < min {
		return nil, &TypeError{Op: op, Expected: fmt.Sprintf("at least %d bytes (%s)", min, tupleString(ps)), Got: strconv.Itoa(len(data)) + " bytes", Offset: 0}
	}
	d := decoder{data: data, maxDepth: lim.MaxDepth}
	out := make([]any, len(ps))
	for i, p := range ps {
		v, err := d.value(p.Type, 1)
		if err != nil {
			return nil, err.typeError(op, p.Name)
		}
		out[i] = v
	}
	if d.off != len(data) {
		return nil, &TypeError{Op: op, Expected: "end of input", Got: strconv.Itoa(len(data)-d.off) + " trailing bytes", Offset: d.off}
	}
	return out, nil
}

// ComponentDecl is what a component says it exports and imports.
type ComponentDecl struct {
	// Name is the component's name.
	Name string
	// Exports are the interfaces it implements.
	Exports []string
	// Imports are the interfaces it calls.
	Imports []string
}

// Declare records a component's declaration. Every interface it names must
// be defined.
func (r *Registry) Declare(c ComponentDecl) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.components[c.Name] != nil {
		return fmt.Errorf("component %q: %w", c.Name, ErrDuplicate)
	}
	for _, n := range append(append([]string(nil), c.Exports...), c.Imports...) {
		if r.ifaces[n] == nil {
			return fmt.Errorf("component %q: interface %q: %w: define it before declaring components", c.Name, n, ErrUnknownOp)
		}
	}
	cp := c
	r.components[c.Name] = &cp
	return nil
}

// Undeclare forgets a component's declaration.
func (r *Registry) Undeclare(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.components, name)
}

// CheckImports checks that every import of every declared component is
// exported by some other declared component. The error joins one error
// per missing exporter, each wrapping ErrNoExporter.
func (r *Registry) CheckImports() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	exporters := map[string]bool{}
	for _, c := range r.components {
		for _, e := range c.Exports {
			exporters[e] = true
		}
	}
	names := make([]string, 0, len(r.components))
	for n := range r.components {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		for _, imp := range r.components[n].Imports {
			if !exporters[imp] {
				errs = append(errs, fmt.Errorf("component %q imports interface %q: %w: declare a component that exports it", n, imp, ErrNoExporter))
			}
		}
	}
	return errors.Join(errs...)
}

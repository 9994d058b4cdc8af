package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks m against every rule of the format and returns an
// [ErrorList], or nil if m is valid. Zero values count as absent, so a
// manifest built in Go may leave defaults out. The errors carry paths but no
// line or column.
func (m *Manifest) Validate() error {
	v := validator{file: m.File}
	v.manifest(m)
	return v.errs.err()
}

// validator checks a decoded manifest. With a source, it knows which fields
// the document had and where, and keeps quiet about values the decoder
// already rejected; without one, zero values count as absent.
type validator struct {
	src  *source
	file string
	errs ErrorList
}

// present reports whether the document had a value at path.
func (v *validator) present(path string) bool {
	if v.src == nil {
		return false
	}
	_, ok := v.src.locs[path]
	return ok
}

// errorf reports a problem with the value at path.
func (v *validator) errorf(path, format string, args ...any) { v.report(path, false, format, args...) }

// keyErrorf reports a problem with the key of the member at path.
func (v *validator) keyErrorf(path, format string, args ...any) {
	v.report(path, true, format, args...)
}

func (v *validator) report(path string, key bool, format string, args ...any) {
	e := &Error{File: v.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if v.src != nil {
		if v.src.suppressed(path) {
			return
		}
		e.Line, e.Column = v.src.position(v.src.offset(path, key))
	}
	v.errs = append(v.errs, e)
}

// missing reports a required field that is absent.
func (v *validator) missing(path, hint string) {
	name := path[len(parentPath(path)):]
	name = strings.TrimPrefix(name, ".")
	v.errorf(path, "missing required field %q%s", name, hint)
}

// set reports whether a field is there to check: non-zero, or written in the
// document (where zero is an error).
func (v *validator) set(path string, zero bool) bool { return !zero || v.present(path) }

func (v *validator) integer(path, label string, n int64, r intRule) {
	if v.set(path, n == 0) && !r.contains(n) {
		v.errorf(path, "%s", r.message(label, strconv.FormatInt(n, 10)))
	}
}

func (v *validator) duration(path, label string, t time.Duration) {
	if v.set(path, t == 0) && t <= 0 {
		v.errorf(path, "%s must be greater than 0; got %q", label, t.String())
	}
}

func (v *validator) enum(path, label, s string, values []string) {
	if v.set(path, s == "") && !isOneOf(s, values) {
		v.errorf(path, "%s", enumMessage(label, values, s))
	}
}

// nonEmpty reports a string field that is written but empty.
func (v *validator) nonEmpty(path, label, s string) {
	if s == "" && v.present(path) {
		v.errorf(path, "%s must not be empty", label)
	}
}

func (v *validator) manifest(m *Manifest) {
	if m.Version == 0 && !v.present("version") {
		v.missing("version", fmt.Sprintf(`; add "version": %d`, Version))
	} else {
		v.integer("version", "version", int64(m.Version), versionRule)
	}
	if v.set("name", m.Name == "") && !validName(m.Name) {
		v.errorf("name", "%s", nameMessage("name", m.Name))
	}

	v.integer("system.max_message_size", "max_message_size", int64(m.System.MaxMessageSize), messageSizeRule)
	v.duration("system.request_timeout", "request_timeout", m.System.RequestTimeout)
	v.enum("system.log_level", "log_level", m.System.LogLevel, logLevels)

	if len(m.Components) == 0 {
		if v.present("components") {
			v.errorf("components", "components must have at least one component; got none")
		} else {
			v.missing("components", "; an app needs at least one component")
		}
	}
	names := v.names(m.Components)
	declared := v.interfaces(m.Interfaces)
	for i := range m.Components {
		v.component(&m.Components[i], indexPath("components", i), i, names)
		v.interfaceRefs(&m.Components[i], indexPath("components", i), declared)
		v.componentBoundary(&m.Components[i], indexPath("components", i))
		v.proxy(&m.Components[i], indexPath("components", i), m.Interfaces, declared)
	}
	v.boundary(&m.Boundary, names)
	v.supervision(m.Supervision, "supervision", names, map[string]string{}, map[string]string{})
	v.regions(m.Regions, names)
}

// componentNames are the names of a manifest's components.
type componentNames struct {
	first  map[string]int // each name's first component
	sorted []string
	// known is false when a name could not be read, so that a link to an
	// unknown name may be a link to that component.
	known bool
}

func (v *validator) names(components []Component) componentNames {
	n := componentNames{first: make(map[string]int, len(components)), known: true}
	for i, c := range components {
		if v.src != nil && v.src.bad[indexPath("components", i)+".name"] {
			n.known = false
		}
		if _, ok := n.first[c.Name]; !ok && c.Name != "" {
			n.first[c.Name] = i
		}
	}
	n.sorted = sortedKeys(n.first)
	return n
}

func (v *validator) component(c *Component, p string, i int, names componentNames) {
	switch name := p + ".name"; {
	case c.Name == "" && !v.present(name):
		v.missing(name, "")
	case !validName(c.Name):
		v.errorf(name, "%s", nameMessage("name", c.Name))
	case names.first[c.Name] != i:
		v.errorf(name, "duplicate component name %q; components[%d] already has it", c.Name, names.first[c.Name])
	}

	v.kind(c, p)
	v.integer(p+".instances", "instances", int64(c.Instances), instancesRule)
	if c.Kind != KindGo {
		v.integer(p+".limits.memory_pages", "memory_pages", int64(c.Limits.MemoryPages), memoryPagesRule)
	}
	v.integer(p+".limits.max_message_size", "max_message_size", int64(c.Limits.MaxMessageSize), messageSizeRule)
	v.mailbox(&c.Mailbox, p+".mailbox")
	v.subscriptions(c.Subscriptions, p+".subscriptions")
	v.links(c.Links, p+".links", names)
	if len(c.Config) > 0 {
		if trimmed := bytes.TrimLeft(c.Config, " \t\r\n"); !json.Valid(c.Config) || trimmed[0] != '{' {
			v.errorf(p+".config", "config must be a JSON object")
		}
	}
	v.args(c.Args, p+".args")
	v.env(c.Env, p+".env")
	v.preopens(c.Preopens, p+".preopens")
}

// kind checks the fields that depend on the component's kind.
func (v *validator) kind(c *Component, p string) {
	switch kind := p + ".kind"; {
	case c.Kind == "" && !v.present(kind):
		v.missing(kind, "; use one of "+strings.Join(kinds, ", "))
		return
	case !isOneOf(c.Kind, kinds):
		v.errorf(kind, "%s", enumMessage("kind", kinds, c.Kind))
		return
	}
	hasModule := v.set(p+".module", c.Module == "")
	hasSource := v.set(p+".source", c.Source == "")
	hasFactory := v.set(p+".factory", c.Factory == "")
	switch c.Kind {
	case KindWasm, KindWASICommand:
		v.nonEmpty(p+".module", "module", c.Module)
		v.nonEmpty(p+".source", "source", c.Source)
		switch {
		case hasModule && hasSource:
			v.errorf(p+".source", "module and source cannot both be set; use module for a built .wasm file or source for a Go guest directory")
		case !hasModule && !hasSource:
			v.errorf(p, "component %q of kind %s needs module (a .wasm file) or source (a Go guest directory)", c.Name, c.Kind)
		}
		if hasFactory {
			v.errorf(p+".factory", "factory is only allowed for kind go; got kind %s", c.Kind)
		}
	case KindGo:
		if hasModule {
			v.errorf(p+".module", "module is not allowed for kind go; a go component is created by its factory")
		}
		if hasSource {
			v.errorf(p+".source", "source is not allowed for kind go; a go component is created by its factory")
		}
		if !hasFactory {
			v.missing(p+".factory", " for kind go; name a registered Go component factory")
		}
		v.nonEmpty(p+".factory", "factory", c.Factory)
		if v.set(p+".limits.deadline", c.Limits.Deadline == 0) {
			v.errorf(p+".limits.deadline", "deadline is only allowed for kinds wasm and wasi-command (Go code cannot be interrupted); got kind go")
		}
		if v.set(p+".limits.memory_pages", c.Limits.MemoryPages == 0) {
			v.errorf(p+".limits.memory_pages", "memory_pages is only allowed for kinds wasm and wasi-command; got kind go")
		}
	}
	if c.Kind != KindWASICommand {
		for _, f := range []struct {
			name string
			zero bool
		}{{"args", c.Args == nil}, {"env", c.Env == nil}, {"preopens", c.Preopens == nil}} {
			if v.set(p+"."+f.name, f.zero) {
				v.errorf(p+"."+f.name, "%s is only allowed for kind wasi-command; got kind %s", f.name, c.Kind)
			}
		}
	}
}

func (v *validator) mailbox(mb *Mailbox, p string) {
	v.integer(p+".capacity", "capacity", int64(mb.Capacity), capacityRule)
	v.enum(p+".overflow", "overflow", mb.Overflow, overflows)
	v.duration(p+".block_timeout", "block_timeout", mb.BlockTimeout)
	if v.set(p+".block_timeout", mb.BlockTimeout == 0) && mb.Overflow != "" && mb.Overflow != OverflowBlock && isOneOf(mb.Overflow, overflows) {
		v.errorf(p+".block_timeout", "block_timeout is only allowed when overflow is block; got overflow %s", mb.Overflow)
	}
}

func (v *validator) subscriptions(topics []string, p string) {
	first := make(map[string]int, len(topics))
	for j, t := range topics {
		tp := indexPath(p, j)
		if len(t) == 0 || len(t) > maxTopicLen {
			v.errorf(tp, "topic must be 1 to %d bytes; got %d bytes", maxTopicLen, len(t))
			continue
		}
		if k, ok := first[t]; ok {
			v.errorf(tp, "duplicate topic %q; %s already has it", truncate(t), indexPath(p, k))
			continue
		}
		first[t] = j
	}
}

func (v *validator) links(links map[string]string, p string, names componentNames) {
	for _, alias := range sortedKeys(links) {
		lp := fieldPath(p, alias)
		if len(alias) == 0 || len(alias) > maxAliasLen {
			v.keyErrorf(lp, "link alias must be 1 to %d bytes; got %d bytes", maxAliasLen, len(alias))
		}
		target := links[alias]
		if _, ok := names.first[target]; ok || !names.known {
			continue
		}
		switch s := suggest(target, names.sorted); {
		case s != "":
			v.errorf(lp, "link %q names unknown component %q; did you mean %q?", truncate(alias), truncate(target), s)
		case len(names.sorted) > 10:
			v.errorf(lp, "link %q names unknown component %q; it must be the name of a component in this manifest", truncate(alias), truncate(target))
		default:
			v.errorf(lp, "link %q names unknown component %q; components are %s", truncate(alias), truncate(target), strings.Join(names.sorted, ", "))
		}
	}
}

func (v *validator) args(args []string, p string) {
	for j, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			v.errorf(indexPath(p, j), "arg must not contain a NUL character")
		}
	}
}

func (v *validator) env(env map[string]string, p string) {
	for _, k := range sortedKeys(env) {
		ep := fieldPath(p, k)
		if k == "" || strings.ContainsAny(k, "=\x00") {
			v.keyErrorf(ep, "env variable name must be non-empty without '=' or NUL; got %q", truncate(k))
		}
		if strings.IndexByte(env[k], 0) >= 0 {
			v.errorf(ep, "env value must not contain a NUL character")
		}
	}
}

func (v *validator) preopens(preopens []Preopen, p string) {
	first := make(map[string]int, len(preopens))
	for j, po := range preopens {
		pp := indexPath(p, j)
		if po.Host == "" && !v.present(pp+".host") {
			v.missing(pp+".host", "; name a host directory, relative to the manifest's directory")
		}
		v.nonEmpty(pp+".host", "host", po.Host)
		if po.Guest == "" && !v.present(pp+".guest") {
			v.missing(pp+".guest", ` such as "/data"`)
		}
		v.nonEmpty(pp+".guest", "guest", po.Guest)
		if po.Guest == "" {
			continue
		}
		if k, ok := first[po.Guest]; ok {
			v.errorf(pp+".guest", "duplicate guest path %q; %s already has it", truncate(po.Guest), indexPath(p, k))
			continue
		}
		first[po.Guest] = j
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

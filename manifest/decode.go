package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// decoder turns a tree of nodes into a Manifest, reporting every unknown
// field, duplicate key and value of the wrong type or range. A rejected value
// leaves its field zero and its path in source.bad.
type decoder struct {
	src  *source
	errs ErrorList
}

func (d *decoder) errorAt(off int, path, format string, args ...any) {
	line, col := d.src.position(off)
	d.errs = append(d.errs, &Error{File: d.src.file, Path: path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// reject reports that the value v at path is wrong.
func (d *decoder) reject(v *node, path, msg string) {
	d.src.bad[path] = true
	d.errorAt(v.off, path, "%s", msg)
}

// mismatch reports that v is not of the JSON type want.
func (d *decoder) mismatch(v *node, path, label, want string) {
	d.reject(v, path, fmt.Sprintf("%s must be %s; got %s", label, want, v.describe()))
}

// field decodes one member of an object into a T.
type field[T any] struct {
	name   string
	decode func(d *decoder, t *T, v *node, path string)
}

// fieldNames returns the names of fields, in order.
func fieldNames[T any](fields []field[T]) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

// decodeObject decodes the object n at path into t, one member at a time.
func decodeObject[T any](d *decoder, n *node, path, label string, fields []field[T], t *T) {
	if n.kind != kindObject {
		d.mismatch(n, path, label, "an object")
		return
	}
members:
	for _, m := range n.fields {
		if m.dup {
			continue
		}
		p := fieldPath(path, m.key)
		for _, f := range fields {
			if f.name == m.key {
				d.src.locs[p] = loc{m.keyOff, m.val.off}
				f.decode(d, t, m.val, p)
				continue members
			}
		}
		names := fieldNames(fields)
		if s := suggest(m.key, names); s != "" {
			d.errorAt(m.keyOff, p, "unknown field %q; did you mean %q?", truncate(m.key), s)
		} else {
			d.errorAt(m.keyOff, p, "unknown field %q; expected one of %s", truncate(m.key), strings.Join(names, ", "))
		}
	}
}

// duplicates reports every key that appears twice in an object, anywhere
// under n, and marks the later ones so that decoding skips them.
func (d *decoder) duplicates(n *node, path string) {
	switch n.kind {
	case kindObject:
		if len(n.fields) > 1 {
			first := make(map[string]int, len(n.fields))
			for i := range n.fields {
				m := &n.fields[i]
				if j, ok := first[m.key]; ok {
					m.dup = true
					line, col := d.src.position(n.fields[j].keyOff)
					d.errorAt(m.keyOff, fieldPath(path, m.key), "duplicate key %q; it is already set at %d:%d", truncate(m.key), line, col)
					continue
				}
				first[m.key] = i
			}
		}
		for _, m := range n.fields {
			if !m.dup {
				d.duplicates(m.val, fieldPath(path, m.key))
			}
		}
	case kindArray:
		for i, e := range n.elems {
			d.duplicates(e, indexPath(path, i))
		}
	}
}

func (d *decoder) str(v *node, path, label string) string {
	if v.kind != kindString {
		d.mismatch(v, path, label, "a string")
		return ""
	}
	return v.str
}

func (d *decoder) boolean(v *node, path, label string) bool {
	if v.kind != kindBool {
		d.mismatch(v, path, label, "true or false")
		return false
	}
	return v.bool
}

// integer reads an integer written without fraction or exponent, within r.
func (d *decoder) integer(v *node, path, label string, r intRule) int64 {
	if v.kind != kindNumber || strings.ContainsAny(v.str, ".eE") {
		d.mismatch(v, path, label, "an integer")
		return 0
	}
	n, err := strconv.ParseInt(v.str, 10, 64)
	if err != nil || !r.contains(n) {
		d.reject(v, path, r.message(label, truncate(v.str)))
		return 0
	}
	return n
}

// duration reads a positive Go duration string such as "1.5s".
func (d *decoder) duration(v *node, path, label string) time.Duration {
	if v.kind != kindString {
		d.mismatch(v, path, label, `a duration string such as "5s" or "250ms"`)
		return 0
	}
	t, err := time.ParseDuration(v.str)
	switch {
	case err != nil:
		d.reject(v, path, fmt.Sprintf(`%s must be a duration such as "5s", "250ms" or "1m30s"; got %q`, label, truncate(v.str)))
	case t <= 0:
		d.reject(v, path, fmt.Sprintf("%s must be greater than 0; got %q", label, truncate(v.str)))
	}
	return max(t, 0)
}

// strings reads an array of strings. A wrong element is reported and kept
// as "", so that indexes still match the document.
func (d *decoder) strings(v *node, path, label, elemLabel string) []string {
	if v.kind != kindArray {
		d.mismatch(v, path, label, "an array of strings")
		return nil
	}
	list := make([]string, len(v.elems))
	for i, e := range v.elems {
		p := indexPath(path, i)
		d.src.locs[p] = loc{-1, e.off}
		list[i] = d.str(e, p, elemLabel)
	}
	return list
}

// stringMap reads an object whose values are strings.
func (d *decoder) stringMap(v *node, path, label, valueLabel string) map[string]string {
	if v.kind != kindObject {
		d.mismatch(v, path, label, "an object with string values")
		return nil
	}
	m := make(map[string]string, len(v.fields))
	for _, f := range v.fields {
		if f.dup {
			continue
		}
		p := fieldPath(path, f.key)
		d.src.locs[p] = loc{f.keyOff, f.val.off}
		if f.val.kind != kindString {
			d.mismatch(f.val, p, valueLabel, "a string")
			continue
		}
		m[f.key] = f.val.str
	}
	return m
}

// raw returns v as written.
func (d *decoder) raw(v *node) json.RawMessage {
	return bytes.Clone(d.src.data[v.off:v.end])
}

var manifestFields = []field[Manifest]{
	// "$schema" lets editors find schema.json; it is checked and ignored.
	{"$schema", func(d *decoder, m *Manifest, v *node, p string) { d.str(v, p, "$schema") }},
	{"version", func(d *decoder, m *Manifest, v *node, p string) {
		m.Version = int(d.integer(v, p, "version", versionRule))
	}},
	{"name", func(d *decoder, m *Manifest, v *node, p string) { m.Name = d.str(v, p, "name") }},
	{"system", func(d *decoder, m *Manifest, v *node, p string) {
		decodeObject(d, v, p, "system", systemFields, &m.System)
	}},
	{"components", func(d *decoder, m *Manifest, v *node, p string) {
		if v.kind != kindArray {
			d.mismatch(v, p, "components", "an array of component objects")
			return
		}
		m.Components = make([]Component, len(v.elems))
		for i, e := range v.elems {
			ep := indexPath(p, i)
			d.src.locs[ep] = loc{-1, e.off}
			c := &m.Components[i]
			c.Line, c.Column = d.src.position(e.off)
			decodeObject(d, e, ep, "component", componentFields, c)
		}
	}},
	{"supervision", func(d *decoder, m *Manifest, v *node, p string) { m.Supervision = decodeSupervision(d, v, p) }},
	{"interfaces", func(d *decoder, m *Manifest, v *node, p string) { m.Interfaces = decodeInterfaces(d, v, p) }},
	{"regions", func(d *decoder, m *Manifest, v *node, p string) { m.Regions = decodeRegions(d, v, p) }},
	{"boundary", func(d *decoder, m *Manifest, v *node, p string) {
		decodeObject(d, v, p, "boundary", boundaryFields, &m.Boundary)
	}},
	{"jobs", func(d *decoder, m *Manifest, v *node, p string) { m.Jobs = d.raw(v) }},
	{"cluster", func(d *decoder, m *Manifest, v *node, p string) { m.Cluster = d.raw(v) }},
}

var systemFields = []field[System]{
	{"max_message_size", func(d *decoder, s *System, v *node, p string) {
		s.MaxMessageSize = int(d.integer(v, p, "max_message_size", messageSizeRule))
	}},
	{"request_timeout", func(d *decoder, s *System, v *node, p string) {
		s.RequestTimeout = d.duration(v, p, "request_timeout")
	}},
	{"cache_dir", func(d *decoder, s *System, v *node, p string) { s.CacheDir = d.str(v, p, "cache_dir") }},
	{"log_level", func(d *decoder, s *System, v *node, p string) { s.LogLevel = d.str(v, p, "log_level") }},
	{"priorities", func(d *decoder, s *System, v *node, p string) { s.Priorities = d.boolean(v, p, "priorities") }},
}

var componentFields = []field[Component]{
	{"name", func(d *decoder, c *Component, v *node, p string) { c.Name = d.str(v, p, "name") }},
	{"kind", func(d *decoder, c *Component, v *node, p string) { c.Kind = d.str(v, p, "kind") }},
	{"module", func(d *decoder, c *Component, v *node, p string) { c.Module = d.str(v, p, "module") }},
	{"source", func(d *decoder, c *Component, v *node, p string) { c.Source = d.str(v, p, "source") }},
	{"factory", func(d *decoder, c *Component, v *node, p string) { c.Factory = d.str(v, p, "factory") }},
	{"instances", func(d *decoder, c *Component, v *node, p string) {
		c.Instances = int(d.integer(v, p, "instances", instancesRule))
	}},
	{"limits", func(d *decoder, c *Component, v *node, p string) {
		decodeObject(d, v, p, "limits", limitsFields, &c.Limits)
	}},
	{"mailbox", func(d *decoder, c *Component, v *node, p string) {
		decodeObject(d, v, p, "mailbox", mailboxFields, &c.Mailbox)
	}},
	{"subscriptions", func(d *decoder, c *Component, v *node, p string) {
		c.Subscriptions = d.strings(v, p, "subscriptions", "topic")
	}},
	{"links", func(d *decoder, c *Component, v *node, p string) {
		c.Links = d.stringMap(v, p, "links", "link target")
	}},
	{"exports", func(d *decoder, c *Component, v *node, p string) { c.Exports = d.strings(v, p, "exports", "interface") }},
	{"imports", func(d *decoder, c *Component, v *node, p string) { c.Imports = d.strings(v, p, "imports", "interface") }},
	{"priority", func(d *decoder, c *Component, v *node, p string) {
		n := int(d.integer(v, p, "priority", priorityRule))
		c.Priority = &n
	}},
	{"reentrant", func(d *decoder, c *Component, v *node, p string) { c.Reentrant = d.boolean(v, p, "reentrant") }},
	{"batch_yield", func(d *decoder, c *Component, v *node, p string) { c.BatchYield = d.boolean(v, p, "batch_yield") }},
	{"on_conflict", func(d *decoder, c *Component, v *node, p string) { c.OnConflict = d.str(v, p, "on_conflict") }},
	{"proxy", func(d *decoder, c *Component, v *node, p string) { c.Proxy = decodeProxy(d, v, p) }},
	{"config", func(d *decoder, c *Component, v *node, p string) {
		if v.kind != kindObject {
			d.mismatch(v, p, "config", "an object")
			return
		}
		c.Config = d.raw(v)
	}},
	{"args", func(d *decoder, c *Component, v *node, p string) { c.Args = d.strings(v, p, "args", "arg") }},
	{"env", func(d *decoder, c *Component, v *node, p string) { c.Env = d.stringMap(v, p, "env", "env value") }},
	{"preopens", func(d *decoder, c *Component, v *node, p string) {
		if v.kind != kindArray {
			d.mismatch(v, p, "preopens", "an array of preopen objects")
			return
		}
		c.Preopens = make([]Preopen, len(v.elems))
		for i, e := range v.elems {
			ep := indexPath(p, i)
			d.src.locs[ep] = loc{-1, e.off}
			decodeObject(d, e, ep, "preopen", preopenFields, &c.Preopens[i])
		}
	}},
}

var limitsFields = []field[Limits]{
	{"memory_pages", func(d *decoder, l *Limits, v *node, p string) {
		l.MemoryPages = uint32(d.integer(v, p, "memory_pages", memoryPagesRule))
	}},
	{"max_message_size", func(d *decoder, l *Limits, v *node, p string) {
		l.MaxMessageSize = int(d.integer(v, p, "max_message_size", messageSizeRule))
	}},
	{"deadline", func(d *decoder, l *Limits, v *node, p string) { l.Deadline = d.duration(v, p, "deadline") }},
}

var mailboxFields = []field[Mailbox]{
	{"capacity", func(d *decoder, mb *Mailbox, v *node, p string) {
		mb.Capacity = int(d.integer(v, p, "capacity", capacityRule))
	}},
	{"overflow", func(d *decoder, mb *Mailbox, v *node, p string) { mb.Overflow = d.str(v, p, "overflow") }},
	{"block_timeout", func(d *decoder, mb *Mailbox, v *node, p string) {
		mb.BlockTimeout = d.duration(v, p, "block_timeout")
	}},
}

var preopenFields = []field[Preopen]{
	{"host", func(d *decoder, po *Preopen, v *node, p string) { po.Host = d.str(v, p, "host") }},
	{"guest", func(d *decoder, po *Preopen, v *node, p string) { po.Guest = d.str(v, p, "guest") }},
	{"readonly", func(d *decoder, po *Preopen, v *node, p string) { po.ReadOnly = d.boolean(v, p, "readonly") }},
}

package wasmplane

import (
	"fmt"

	"github.com/wasmplane/wasmplane/internal/boundary"
	"github.com/wasmplane/wasmplane/manifest"
)

// applyBoundary sets the manifest's token timeouts and fallback policies
// on sys (before any component starts).
func applyBoundary(sys *System, m *manifest.Manifest) {
	b := &m.Boundary
	if b.TokenTimeout > 0 {
		sys.SetTokenTimeout("", "", b.TokenTimeout)
	}
	if b.Fallback != nil {
		sys.SetFallback("", "", b.Fallback.Policy())
	}
	for _, p := range b.Pairs {
		if p.TokenTimeout > 0 {
			sys.SetTokenTimeout(p.Caller, p.Callee, p.TokenTimeout)
		}
		if p.Fallback != nil { // the default policy covers the others
			sys.SetFallback(p.Caller, p.Callee, p.Fallback.Policy())
		}
	}
}

// bindHandlers claims every operation of the interfaces each component
// exports, at the component's priority and conflict policy, in manifest
// order; System.Invoke then reaches the winner. Decisions are logged.
func bindHandlers(sys *System, m *manifest.Manifest) error {
	for _, c := range m.Components {
		pol := Queue
		if c.OnConflict == manifest.ConflictDrop {
			pol = Drop
		}
		prio := int(boundary.DefaultPriority)
		if c.Priority != nil {
			prio = *c.Priority
		}
		for _, name := range c.ExportedInterfaces() {
			in, ok := sys.sys.Registry().Interface(name)
			if !ok {
				continue // reported by checkInterfaces
			}
			for _, op := range in.Ops {
				if _, err := sys.BindHandler(name+"."+op.Name, c.Name, prio, pol); err != nil {
					return fmt.Errorf("%s: component %q: %w", where(m, c), c.Name, err)
				}
			}
		}
	}
	return nil
}

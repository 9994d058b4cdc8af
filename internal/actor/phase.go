package actor

import (
	"fmt"

	"github.com/wasmplane/wasmplane/internal/boundary"
)

// Resource is the named resource's commit phases (deferral): a reader
// brackets its phase with Begin and the returned end; work deferred to the
// resource runs only once no phase is in progress.
func (s *System) Resource(name string) *boundary.Resource { return s.phases.Resource(name) }

// Defer sends kind/data to the component itself once no commit phase of
// resource is in progress (at once if none is): the component's write then
// never lands in the middle of a reader's phase (an after-frame hook).
//
// # Errors
//
// The deferred queue of the resource is full (boundary.ErrDeferFull), or
// the component has stopped.
func (c *Context) Defer(resource, kind string, data []byte) error {
	if c.dead.Load() {
		return c.errDead("defer")
	}
	self := c.Self()
	err := c.sys.phases.Resource(resource).Defer(func() {
		if err := c.sys.send(self, self, kind, data, 0, 0); err != nil {
			c.sys.log.Warn("deferred message not delivered", "resource", resource, "kind", kind, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("defer %q after %q: %w", kind, resource, err)
	}
	return nil
}

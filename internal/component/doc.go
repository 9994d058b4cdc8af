// Package component adapts Wasm modules to the actor contract: a guest
// instance (ABI v1) or a WASI command becomes an actor.Component, and the
// guest's host imports act through the component's actor.Context.
package component

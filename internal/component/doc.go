// Package component adapts Wasm modules to the actor contract: a guest
// instance (ABI v1), a WASI command or a proxied third-party module
// (typed calls only) becomes an actor.Component, and the guest's host
// imports act through the component's actor.Context.
package component

;; abicalls.wat - every host import of guest ABI v1 (docs/abi.md) with a
;; trampoline export t_<import> of the same signature that forwards its
;; arguments, so a host test can call each import with hostile pointers.
;; Rebuild with `make wasm`.
(module
  (import "wasmplane" "send"
    (func $send (param i64 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "request"
    (func $request (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "reply_take"
    (func $reply_take (param i32 i32 i32) (result i32)))
  (import "wasmplane" "reply"
    (func $reply (param i64 i32 i32) (result i32)))
  (import "wasmplane" "publish"
    (func $publish (param i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "subscribe"
    (func $subscribe (param i32 i32) (result i32)))
  (import "wasmplane" "unsubscribe"
    (func $unsubscribe (param i32 i32) (result i32)))
  (import "wasmplane" "log"
    (func $log (param i32 i32 i32) (result i32)))
  (import "wasmplane" "self"
    (func $self (result i64)))
  (import "wasmplane" "lookup"
    (func $lookup (param i32 i32 i32) (result i32)))
  (import "wasmplane" "now"
    (func $now (result i64)))
  (import "wasmplane" "call"
    (func $call (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "progress"
    (func $progress (result i32)))

  (memory (export "memory") 1)

  ;; The required exports, as in minimal.wat.
  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0))

  ;; Trampolines: forward every parameter unchanged.
  (func (export "t_send") (param i64 i32 i32 i32 i32) (result i32)
    (call $send (local.get 0) (local.get 1) (local.get 2) (local.get 3)
      (local.get 4)))
  (func (export "t_request")
    (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (call $request (local.get 0) (local.get 1) (local.get 2) (local.get 3)
      (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8)))
  (func (export "t_reply_take") (param i32 i32 i32) (result i32)
    (call $reply_take (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t_reply") (param i64 i32 i32) (result i32)
    (call $reply (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t_publish") (param i32 i32 i32 i32) (result i32)
    (call $publish (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "t_subscribe") (param i32 i32) (result i32)
    (call $subscribe (local.get 0) (local.get 1)))
  (func (export "t_unsubscribe") (param i32 i32) (result i32)
    (call $unsubscribe (local.get 0) (local.get 1)))
  (func (export "t_log") (param i32 i32 i32) (result i32)
    (call $log (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t_self") (result i64)
    (call $self))
  (func (export "t_lookup") (param i32 i32 i32) (result i32)
    (call $lookup (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t_now") (result i64)
    (call $now))
  (func (export "t_call")
    (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (call $call (local.get 0) (local.get 1) (local.get 2) (local.get 3)
      (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8)))
  (func (export "t_progress") (result i32)
    (call $progress)))

;; trap_start.wat - minimal.wat plus a wasmplane_pre_start hook that traps,
;; so starting the component must fail naming the hook.
;; Rebuild with `make wasm`.
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0))
  (func (export "wasmplane_pre_start") (result i32)
    (unreachable)))

;; bad_alloc_global.wat - minimal.wat whose wasmplane_alloc is a global, not a
;; function. Loading it must fail naming the export and its type.
;; Rebuild with `make wasm`.
(module
  (memory (export "memory") 1)
  (global (export "wasmplane_alloc") i32 (i32.const 1024))
  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0)))

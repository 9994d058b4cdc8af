;; spin_start: a guest that never returns from wasmplane_pre_start.
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32) (i32.const 1))
  (func (export "wasmplane_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "wasmplane_pre_start") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))

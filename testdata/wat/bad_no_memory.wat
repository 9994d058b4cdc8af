;; bad_no_memory.wat - minimal.wat whose memory is not exported (it still has
;; one, so alloc's pointer would be meaningful). Rebuild with `make wasm`.
(module
  (memory 1)
  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0)))

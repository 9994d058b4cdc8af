;; bad_no_receive.wat - minimal.wat without wasmplane_receive. Loading it must
;; fail naming the missing export. Rebuild with `make wasm`.
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000)))))

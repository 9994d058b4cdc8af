;; bad_receive_sig.wat - minimal.wat whose wasmplane_receive has the wrong
;; signature, (i32) -> i32. Loading it must fail naming the expected and the
;; actual signature. Rebuild with `make wasm`.
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))
  (func (export "wasmplane_receive") (param i32) (result i32)
    (i32.const 0)))

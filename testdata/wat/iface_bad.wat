;; iface_bad: a guest that declares interface "math" but gets it wrong in
;; four ways: add takes an i64 first (wrong parameter type), scale is
;; missing, neg returns two values (extra result), flag takes no parameter
;; (too few parameters).
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32) (i32.const 1))
  (func (export "wasmplane_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmplane_receive") (param i64 i64 i32 i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "math.add") (param i64 i32) (result i32) (local.get 1))
  (func (export "math.neg") (param i64) (result i64 i64) (local.get 0) (local.get 0))
  (func (export "math.flag") (result i32) (i32.const 1)))

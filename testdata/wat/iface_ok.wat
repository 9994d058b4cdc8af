;; iface_ok: a guest implementing interface "math" (see app_interfaces_test.go)
;; with exports named "iface.op" whose core signatures match the types:
;; add(a i32, b i32) -> i32, scale(x f64, k f64) -> f64, neg(x i64) -> i64,
;; flag(b bool) -> bool (bool is an i32 in core Wasm).
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32) (i32.const 1))
  (func (export "wasmplane_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmplane_receive") (param i64 i64 i32 i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "math.add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "math.scale") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "math.neg") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
  (func (export "math.flag") (param i32) (result i32) (i32.eqz (local.get 0))))

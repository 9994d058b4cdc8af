;; calc.wat - a third-party module that knows nothing of wasmplane: plain
;; functions on numbers, no memory, no imports, none of the guest ABI's
;; exports. Served as typed operations through engine.LoadProxy
;; (internal/engine/proxy_test.go). Rebuild with `make wasm`.
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "mul") (param f64 f64) (result f64)
    (f64.mul (local.get 0) (local.get 1)))
  ;; Traps on a zero divisor.
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))

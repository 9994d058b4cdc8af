;; minimal.wat - the smallest valid wasmplane guest: one page of memory, the
;; three required exports, no hooks, no imports. Used for spawn benchmarks
;; and idle-memory measurement. Rebuild with `make wasm`.
(module
  (memory (export "memory") 1)

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  ;; One fixed inbound buffer at 1024: [1024, 61024) fits in the page.
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  ;; Accepts and drops every message.
  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (i32.const 0)))

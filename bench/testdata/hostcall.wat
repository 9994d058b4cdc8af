;; hostcall.wat - a guest whose handler calls the host import
;; wasmplane.self N times, N being the little-endian i32 at the start of
;; the payload (0 if the payload is shorter than 4 bytes). Used to measure
;; one guest->host call through wasmplane's host module, and, with a bare
;; wazero host module of the same name, the floor.
;; Rebuild: wat2wasm hostcall.wat -o hostcall.wasm
(module
  (import "wasmplane" "self" (func $self (result i64)))
  (memory (export "memory") 1)

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (local $n i32)
    (if (i32.lt_u (local.get $data_len) (i32.const 4))
      (then (return (i32.const 0))))
    (local.set $n (i32.load (local.get $data_ptr)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (drop (call $self))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.const 0)))

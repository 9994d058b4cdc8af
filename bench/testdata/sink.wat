;; sink.wat - a guest that accepts messages of any size up to the system's
;; limit and drops them: wasmplane_alloc grows memory so that the inbound
;; buffer [1024, 1024+size) fits (minimal.wat's buffer stops at 60,000
;; bytes). Used by the payload-scaling benchmarks.
;; Rebuild: wat2wasm sink.wat -o sink.wasm
(module
  (memory (export "memory") 1)

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (local $pages i32)
    ;; Refuse sizes whose end would pass 2 GiB.
    (if (i32.gt_u (local.get $size) (i32.const 0x7fff0000))
      (then (return (i32.const 0))))
    ;; pages = ceil((1024 + size) / 65536)
    (local.set $pages
      (i32.shr_u (i32.add (local.get $size) (i32.const 66559)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq
              (memory.grow (i32.sub (local.get $pages) (memory.size)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (i32.const 1024))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (i32.const 0)))

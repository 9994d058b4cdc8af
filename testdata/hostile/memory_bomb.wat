;; memory_bomb.wat - hostile guest: every message grows memory one page at a
;; time until memory.grow refuses (-1), then returns 0. The memory has no
;; declared maximum, so only the component's memory limit stops it; with a
;; limit of N pages the instance must end at exactly N pages and keep
;; serving. Build with `wat2wasm -o memory_bomb.wasm memory_bomb.wat`.
(module
  (memory (export "memory") 1)

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  ;; One fixed inbound buffer at 1024, as in testdata/wat/minimal.wat.
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (block $refused
      (loop $grow
        (br_if $refused
          (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $grow)))
    (i32.const 0)))

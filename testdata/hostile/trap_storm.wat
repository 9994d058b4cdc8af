;; trap_storm.wat - hostile guest: every message traps (unreachable) three
;; calls deep. The trap-storm test appends a large custom section (debug
;; info, or a "name" section with a huge function name) to these bytes at
;; run time and delivers to many fresh instances: each trap must be a
;; *TrapError, and cheap, because DWARF is off.
;; Build with `wat2wasm -o trap_storm.wasm trap_storm.wat`.
(module
  (memory (export "memory") 1)

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  (func $crash (unreachable))
  (func $middle (call $crash))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (call $middle)
    (i32.const 0)))

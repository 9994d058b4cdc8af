;; msg_receiver.wat - the receiving half of the guest→guest message
;; benchmark (see msg_sender.wat). It counts the 64-byte messages it gets
;; and sums their first u64 (the sequence number); a request answers
;; [count u64][sum u64] and resets both. Rebuild with `make wasm`.
(module
  (import "wasmplane" "reply"
    (func $reply (param i64 i32 i32) (result i32)))

  (memory (export "memory") 1)
  (global $count (mut i64) (i64.const 0))
  (global $sum (mut i64) (i64.const 0))

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  ;; One fixed inbound buffer at 1024.
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        (i64.store (i32.const 512) (global.get $count))
        (i64.store (i32.const 520) (global.get $sum))
        (global.set $count (i64.const 0))
        (global.set $sum (i64.const 0))
        (return (call $reply (local.get $corr) (i32.const 512) (i32.const 16)))))
    ;; A message of another size is not counted: the check fails.
    (if (i32.ne (local.get $data_len) (i32.const 64))
      (then (return (i32.const 1))))
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (global.set $sum (i64.add (global.get $sum) (i64.load (local.get $data_ptr))))
    (i32.const 0)))

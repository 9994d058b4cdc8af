;; msg_sender.wat - the sending half of the guest→guest message benchmark
;; (internal/engine/messages_bench_test.go). A request with data
;; [to i64][n i32] makes it send n messages of kind "m" and 64 bytes
;; (the sequence number 0..n-1 as a u64, then zeros) to `to`, then
;; request "count" from `to`: the receiver's mailbox holds this sender's
;; messages in order, so the answer comes after all n were handled. The
;; sender replies with the receiver's answer. Rebuild with `make wasm`.
(module
  (import "wasmplane" "send"
    (func $send (param i64 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "request"
    (func $request (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "reply"
    (func $reply (param i64 i32 i32) (result i32)))

  (memory (export "memory") 1)
  ;; 256: kind "m"; 260: kind "count"; 512: the 64-byte payload;
  ;; 640: the receiver's 16-byte answer; 660: its length.
  (data (i32.const 256) "m")
  (data (i32.const 260) "count")

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
    (local $to i64) (local $n i32) (local $i i32) (local $st i32)
    (if (i32.lt_u (local.get $data_len) (i32.const 12))
      (then (return (i32.const 1))))
    (local.set $to (i64.load (local.get $data_ptr)))
    (local.set $n (i32.load offset=8 (local.get $data_ptr)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i64.store (i32.const 512) (i64.extend_i32_u (local.get $i)))
        (local.set $st
          (call $send (local.get $to) (i32.const 256) (i32.const 1) (i32.const 512) (i32.const 64)))
        (if (local.get $st) (then (return (local.get $st))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $st
      (call $request (local.get $to) (i32.const 260) (i32.const 5) (i32.const 0) (i32.const 0)
        (i32.const 0) (i32.const 640) (i32.const 16) (i32.const 660)))
    (if (local.get $st) (then (return (local.get $st))))
    (call $reply (local.get $corr) (i32.const 640) (i32.load (i32.const 660)))))

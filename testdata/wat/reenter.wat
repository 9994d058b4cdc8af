;; reenter.wat - a guest for reentrancy tests (internal/engine/reenter_test.go):
;; the host calls into it again while it is blocked in the `call` import.
;; Rebuild with `make wasm`.
;;
;; Memory: [0, 32) results, [128, 160) op names, [160, 164) args, [256, 320)
;; the out buffer, [1024, 61024) the inbound buffer from wasmplane_alloc.
;;   [0]  receives so far        [4]  1 if the message data was intact after
;;   [8]  status of call #1           the calls, 0 if it was overwritten
;;   [12] status of call #2       [16] status of reply_take after call #1
;;   [20] out_len                 [24] the first data byte seen on entry
(module
  (import "wasmplane" "call"
    (func $call (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "reply_take"
    (func $reply_take (param i32 i32 i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 128) "r.inc")
  (data (i32.const 144) "r.self")

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  ;; kind "outer": call r.inc(41) with out_cap 0 (the answer is held), take
  ;; it, call r.inc again, then check the message data; any other kind: 0.
  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kp i32) (param $kl i32) (param $dp i32) (param $dl i32) (result i32)
    (local $b i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (if (i32.or (i32.ne (local.get $kl) (i32.const 5))
                (i32.ne (i32.load8_u (local.get $kp)) (i32.const 0x6f))) ;; 'o'
      (then (return (i32.const 0))))
    (local.set $b (i32.load8_u (local.get $dp)))
    (i32.store (i32.const 24) (local.get $b))
    (i32.store (i32.const 160) (i32.const 41))
    (i32.store (i32.const 8)
      (call $call (i64.const 1) (i32.const 128) (i32.const 5) (i32.const 160) (i32.const 4)
        (i32.const 1000) (i32.const 256) (i32.const 0) (i32.const 20)))
    (i32.store (i32.const 16)
      (call $reply_take (i32.const 256) (i32.const 64) (i32.const 20)))
    (i32.store (i32.const 12)
      (call $call (i64.const 1) (i32.const 128) (i32.const 5) (i32.const 160) (i32.const 4)
        (i32.const 1000) (i32.const 288) (i32.const 32) (i32.const 20)))
    (i32.store (i32.const 4) (i32.eq (i32.load8_u (local.get $dp)) (local.get $b)))
    (i32.const 0))

  ;; r.inc(x: i32) -> (y: i32)
  (func (export "r.inc") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))

  ;; r.self(n: i32) -> (sum: i32): n + r.self(n - 1) through the call
  ;; import (the host re-enters this same export), 0 for n = 0.
  (func (export "r.self") (param $n i32) (result i32)
    (local $st i32) (local $sub i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (i32.store (i32.const 160) (i32.sub (local.get $n) (i32.const 1)))
    (local.set $st
      (call $call (i64.const 1) (i32.const 144) (i32.const 6) (i32.const 160) (i32.const 4)
        (i32.const 1000) (i32.const 256) (i32.const 64) (i32.const 20)))
    (if (local.get $st) (then unreachable))
    ;; Read the nested result before anything else overwrites [256].
    (local.set $sub (i32.load (i32.const 256)))
    (i32.add (local.get $n) (local.get $sub))))

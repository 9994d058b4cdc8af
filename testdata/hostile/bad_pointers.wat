;; bad_pointers.wat - hostile guest that asserts the host's pointer checks
;; itself. Each message calls every host import of ABI v1 (docs/abi.md)
;; with out-of-bounds and overflowing buffers and expects ERR_BAD_POINTER
;; (-1) from each; it returns the number of calls that got anything else
;; (0 means every check held).
;;
;; The host under test must answer `request` with a reply longer than 4
;; bytes (phase 2 needs a held reply). Results, for the host test to read:
;;   [0,4)    checks made
;;   [4,8)    wrong statuses (also the return value)
;;   [8,520)  the first 64 failures as (case id i32, status i32)
;; Case ids: phase 1 slot*16+i (0x400+slot*16+i for slots 16-19, `call`);
;; phase 2 0x100..0x302 (0x200+slot*16+i for reply_take with a reply held);
;; guard 0x380; phase 3 0x400..0x406.
;; Build with `wat2wasm -o bad_pointers.wasm bad_pointers.wat`.
(module
  (import "wasmplane" "send"
    (func $send (param i64 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "request"
    (func $request (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "reply_take"
    (func $reply_take (param i32 i32 i32) (result i32)))
  (import "wasmplane" "reply"
    (func $reply (param i64 i32 i32) (result i32)))
  (import "wasmplane" "publish"
    (func $publish (param i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "subscribe"
    (func $subscribe (param i32 i32) (result i32)))
  (import "wasmplane" "unsubscribe"
    (func $unsubscribe (param i32 i32) (result i32)))
  (import "wasmplane" "log"
    (func $log (param i32 i32 i32) (result i32)))
  (import "wasmplane" "self"
    (func $self (result i64)))
  (import "wasmplane" "lookup"
    (func $lookup (param i32 i32 i32) (result i32)))
  (import "wasmplane" "now"
    (func $now (result i64)))
  (import "wasmplane" "call"
    (func $call (param i64 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; Valid buffers: K a 1-byte kind/topic/name, OUT a 64-byte out buffer,
  ;; OUTLEN a u32 out-param, PID an i64 out-param.
  (global $K i32 (i32.const 16384))
  (global $OUT i32 (i32.const 16400))
  (global $OUTLEN i32 (i32.const 16500))
  (global $PID i32 (i32.const 16512))
  (data (i32.const 16384) "k")

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 8192))))

  (func $mem_bytes (result i32)
    (i32.mul (memory.size) (i32.const 65536)))

  ;; Counts one check; a status other than $want is recorded as a failure.
  (func $expect (param $got i32) (param $want i32) (param $id i32)
    (local $k i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (if (i32.ne (local.get $got) (local.get $want))
      (then
        (local.set $k (i32.load (i32.const 4)))
        (if (i32.lt_u (local.get $k) (i32.const 64))
          (then
            (i32.store (i32.add (i32.const 8) (i32.shl (local.get $k) (i32.const 3)))
              (local.get $id))
            (i32.store (i32.add (i32.const 12) (i32.shl (local.get $k) (i32.const 3)))
              (local.get $got))))
        (i32.store (i32.const 4) (i32.add (local.get $k) (i32.const 1))))))

  ;; Bad buffers, from the memory size S:
  ;;   (ptr, len) at 512: (S-2, 4) past the end; (S, 1) at the end;
  ;;     (0xFFFFFFF0, 0x20) and (0x80000000, 0x80000010) wrap to 0x10;
  ;;     (16, 0xFFFFFFFF) huge length; (0xFFFFFFFF, 1); (S-1, 0xFFFFFFFF)
  ;;     wraps to S-2, inside memory if summed in 32 bits.
  ;;   4-byte out-params at 600: S-3, S-1, S, 0xFFFFFFFC (ptr+4 wraps to 0),
  ;;     0xFFFFFFFE.
  ;;   8-byte out-params at 640: S-7, S-4, S, 0xFFFFFFF8 (wraps to 0),
  ;;     0xFFFFFFFC.
  (func $pair (param $i i32) (param $p i32) (param $l i32)
    (i32.store (i32.add (i32.const 512) (i32.shl (local.get $i) (i32.const 3)))
      (local.get $p))
    (i32.store (i32.add (i32.const 516) (i32.shl (local.get $i) (i32.const 3)))
      (local.get $l)))
  (func $fill_tables (local $s i32)
    (local.set $s (call $mem_bytes))
    (call $pair (i32.const 0) (i32.sub (local.get $s) (i32.const 2)) (i32.const 4))
    (call $pair (i32.const 1) (local.get $s) (i32.const 1))
    (call $pair (i32.const 2) (i32.const 0xFFFFFFF0) (i32.const 0x20))
    (call $pair (i32.const 3) (i32.const 16) (i32.const 0xFFFFFFFF))
    (call $pair (i32.const 4) (i32.const 0xFFFFFFFF) (i32.const 1))
    (call $pair (i32.const 5) (i32.const 0x80000000) (i32.const 0x80000010))
    (call $pair (i32.const 6) (i32.sub (local.get $s) (i32.const 1)) (i32.const 0xFFFFFFFF))
    (i32.store (i32.const 600) (i32.sub (local.get $s) (i32.const 3)))
    (i32.store (i32.const 604) (i32.sub (local.get $s) (i32.const 1)))
    (i32.store (i32.const 608) (local.get $s))
    (i32.store (i32.const 612) (i32.const 0xFFFFFFFC))
    (i32.store (i32.const 616) (i32.const 0xFFFFFFFE))
    (i32.store (i32.const 640) (i32.sub (local.get $s) (i32.const 7)))
    (i32.store (i32.const 644) (i32.sub (local.get $s) (i32.const 4)))
    (i32.store (i32.const 648) (local.get $s))
    (i32.store (i32.const 652) (i32.const 0xFFFFFFF8))
    (i32.store (i32.const 656) (i32.const 0xFFFFFFFC)))

  ;; Slots 5, 7 and 19 are 4-byte out-params, 15 an 8-byte one (0: a buffer).
  (func $fixed (param $slot i32) (result i32)
    (if (i32.or (i32.or (i32.eq (local.get $slot) (i32.const 5))
                        (i32.eq (local.get $slot) (i32.const 7)))
                (i32.eq (local.get $slot) (i32.const 19)))
      (then (return (i32.const 4))))
    (if (i32.eq (local.get $slot) (i32.const 15))
      (then (return (i32.const 8))))
    (i32.const 0))

  (func $ptr (param $slot i32) (param $i i32) (result i32)
    (local $f i32)
    (local.set $f (call $fixed (local.get $slot)))
    (if (i32.eq (local.get $f) (i32.const 4))
      (then (return (i32.load (i32.add (i32.const 600) (i32.shl (local.get $i) (i32.const 2)))))))
    (if (i32.eq (local.get $f) (i32.const 8))
      (then (return (i32.load (i32.add (i32.const 640) (i32.shl (local.get $i) (i32.const 2)))))))
    (i32.load (i32.add (i32.const 512) (i32.shl (local.get $i) (i32.const 3)))))

  (func $len (param $i i32) (result i32)
    (i32.load (i32.add (i32.const 516) (i32.shl (local.get $i) (i32.const 3)))))

  ;; One host call with the bad buffer (p, l) in the given slot and valid
  ;; values everywhere else.
  (func $try (param $slot i32) (param $p i32) (param $l i32) (result i32)
    (if (i32.eq (local.get $slot) (i32.const 0)) ;; send kind
      (then (return (call $send (i64.const 1) (local.get $p) (local.get $l) (global.get $K) (i32.const 1)))))
    (if (i32.eq (local.get $slot) (i32.const 1)) ;; send data
      (then (return (call $send (i64.const 1) (global.get $K) (i32.const 1) (local.get $p) (local.get $l)))))
    (if (i32.eq (local.get $slot) (i32.const 2)) ;; request kind
      (then (return (call $request (i64.const 1) (local.get $p) (local.get $l) (global.get $K) (i32.const 1)
        (i32.const 100) (global.get $OUT) (i32.const 64) (global.get $OUTLEN)))))
    (if (i32.eq (local.get $slot) (i32.const 3)) ;; request data
      (then (return (call $request (i64.const 1) (global.get $K) (i32.const 1) (local.get $p) (local.get $l)
        (i32.const 100) (global.get $OUT) (i32.const 64) (global.get $OUTLEN)))))
    (if (i32.eq (local.get $slot) (i32.const 4)) ;; request out
      (then (return (call $request (i64.const 1) (global.get $K) (i32.const 1) (global.get $K) (i32.const 1)
        (i32.const 100) (local.get $p) (local.get $l) (global.get $OUTLEN)))))
    (if (i32.eq (local.get $slot) (i32.const 5)) ;; request out_len_ptr
      (then (return (call $request (i64.const 1) (global.get $K) (i32.const 1) (global.get $K) (i32.const 1)
        (i32.const 100) (global.get $OUT) (i32.const 64) (local.get $p)))))
    (if (i32.eq (local.get $slot) (i32.const 6)) ;; reply_take out
      (then (return (call $reply_take (local.get $p) (local.get $l) (global.get $OUTLEN)))))
    (if (i32.eq (local.get $slot) (i32.const 7)) ;; reply_take out_len_ptr
      (then (return (call $reply_take (global.get $OUT) (i32.const 64) (local.get $p)))))
    (if (i32.eq (local.get $slot) (i32.const 8)) ;; reply data
      (then (return (call $reply (i64.const 5) (local.get $p) (local.get $l)))))
    (if (i32.eq (local.get $slot) (i32.const 9)) ;; publish topic
      (then (return (call $publish (local.get $p) (local.get $l) (global.get $K) (i32.const 1)))))
    (if (i32.eq (local.get $slot) (i32.const 10)) ;; publish data
      (then (return (call $publish (global.get $K) (i32.const 1) (local.get $p) (local.get $l)))))
    (if (i32.eq (local.get $slot) (i32.const 11)) ;; subscribe topic
      (then (return (call $subscribe (local.get $p) (local.get $l)))))
    (if (i32.eq (local.get $slot) (i32.const 12)) ;; unsubscribe topic
      (then (return (call $unsubscribe (local.get $p) (local.get $l)))))
    (if (i32.eq (local.get $slot) (i32.const 13)) ;; log msg
      (then (return (call $log (i32.const 1) (local.get $p) (local.get $l)))))
    (if (i32.eq (local.get $slot) (i32.const 14)) ;; lookup name
      (then (return (call $lookup (local.get $p) (local.get $l) (global.get $PID)))))
    (if (i32.eq (local.get $slot) (i32.const 15)) ;; lookup out_pid_ptr
      (then (return (call $lookup (global.get $K) (i32.const 1) (local.get $p)))))
    (if (i32.eq (local.get $slot) (i32.const 16)) ;; call op
      (then (return (call $call (i64.const 1) (local.get $p) (local.get $l) (global.get $K) (i32.const 1)
        (i32.const 100) (global.get $OUT) (i32.const 64) (global.get $OUTLEN)))))
    (if (i32.eq (local.get $slot) (i32.const 17)) ;; call args
      (then (return (call $call (i64.const 1) (global.get $K) (i32.const 1) (local.get $p) (local.get $l)
        (i32.const 100) (global.get $OUT) (i32.const 64) (global.get $OUTLEN)))))
    (if (i32.eq (local.get $slot) (i32.const 18)) ;; call out
      (then (return (call $call (i64.const 1) (global.get $K) (i32.const 1) (global.get $K) (i32.const 1)
        (i32.const 100) (local.get $p) (local.get $l) (global.get $OUTLEN)))))
    ;; 19: call out_len_ptr
    (call $call (i64.const 1) (global.get $K) (i32.const 1) (global.get $K) (i32.const 1)
      (i32.const 100) (global.get $OUT) (i32.const 64) (local.get $p)))

  ;; Every bad buffer of one slot; case ids start at $base + slot*16.
  (func $run_slot (param $slot i32) (param $base i32)
    (local $i i32) (local $n i32)
    (local.set $n (select (i32.const 5) (i32.const 7) (call $fixed (local.get $slot))))
    (loop $cases
      (call $expect
        (call $try (local.get $slot)
          (call $ptr (local.get $slot) (local.get $i))
          (call $len (local.get $i)))
        (i32.const -1)
        (i32.add (local.get $base)
          (i32.add (i32.shl (local.get $slot) (i32.const 4)) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $cases (i32.lt_u (local.get $i) (local.get $n)))))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (local $slot i32) (local $s i32)
    (local.set $s (call $mem_bytes))
    (i32.store (i32.const 0) (i32.const 0))
    (i32.store (i32.const 4) (i32.const 0))
    (call $fill_tables)
    ;; A guard over the last 16 bytes: no rejected call may write there.
    (memory.fill (i32.sub (local.get $s) (i32.const 16)) (i32.const 0xA5) (i32.const 16))

    ;; Phase 1: every slot of every import, nothing held.
    (loop $slots
      (call $run_slot (local.get $slot) (i32.const 0))
      (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
      (br_if $slots (i32.lt_u (local.get $slot) (i32.const 16))))
    (loop $call_slots
      (call $run_slot (local.get $slot) (i32.const 0x400))
      (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
      (br_if $call_slots (i32.lt_u (local.get $slot) (i32.const 20))))

    ;; Phase 2: with a reply held, bad buffers to reply_take must neither
    ;; write nor release it.
    (call $expect
      (call $request (i64.const 1) (global.get $K) (i32.const 1) (global.get $K) (i32.const 1)
        (i32.const 100) (global.get $OUT) (i32.const 4) (global.get $OUTLEN))
      (i32.const -8) (i32.const 0x100))
    (call $run_slot (i32.const 6) (i32.const 0x200))
    (call $run_slot (i32.const 7) (i32.const 0x200))
    (call $expect (call $reply_take (global.get $OUT) (i32.const 64) (global.get $OUTLEN))
      (i32.const 0) (i32.const 0x300))
    (call $expect (i32.le_u (i32.load (global.get $OUTLEN)) (i32.const 4))
      (i32.const 0) (i32.const 0x301))
    (call $expect (call $reply_take (global.get $OUT) (i32.const 64) (global.get $OUTLEN))
      (i32.const -3) (i32.const 0x302))

    ;; The guard is intact.
    (call $expect
      (i32.or
        (i64.ne (i64.load (i32.sub (local.get $s) (i32.const 16))) (i64.const 0xA5A5A5A5A5A5A5A5))
        (i64.ne (i64.load (i32.sub (local.get $s) (i32.const 8))) (i64.const 0xA5A5A5A5A5A5A5A5)))
      (i32.const 0) (i32.const 0x380))

    ;; Phase 3, controls: a zero-length buffer is valid whatever its ptr,
    ;; and buffers that end exactly at the end of memory are valid.
    (call $expect (call $send (i64.const 1) (global.get $K) (i32.const 1) (i32.const 0xFFFFFFFF) (i32.const 0))
      (i32.const 0) (i32.const 0x400))
    (call $expect (call $publish (global.get $K) (i32.const 1) (local.get $s) (i32.const 0))
      (i32.const 0) (i32.const 0x401))
    (call $expect (call $reply (i64.const 5) (i32.const 0xFFFFFFF0) (i32.const 0))
      (i32.const 0) (i32.const 0x402))
    (call $expect (call $log (i32.const 1) (i32.const 0xFFFFFFFF) (i32.const 0))
      (i32.const 0) (i32.const 0x403))
    (call $expect (call $log (i32.const 1) (i32.sub (local.get $s) (i32.const 1)) (i32.const 1))
      (i32.const 0) (i32.const 0x404))
    (call $expect (call $lookup (global.get $K) (i32.const 1) (i32.sub (local.get $s) (i32.const 8)))
      (i32.const 0) (i32.const 0x405))
    (call $expect (call $call (i64.const 1) (global.get $K) (i32.const 1) (i32.const 0xFFFFFFFF) (i32.const 0)
        (i32.const 100) (global.get $OUT) (i32.const 64) (global.get $OUTLEN))
      (i32.const 0) (i32.const 0x406))

    (i32.load (i32.const 4))))

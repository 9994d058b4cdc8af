;; alloc_liar.wat - hostile guest: wasmplane_alloc lies. The exported
;; set_mode picks the lie; the host must refuse every bad region with an
;; error naming wasmplane_alloc, write nothing, and not call receive.
;;
;;   mode 0  near end:  memory size - 1, so ptr + n runs past memory
;;   mode 1  wrapping:  0xFFFFFFF0, so ptr + n wraps past 2^32
;;   mode 2  one over:  memory size - n + 1, one byte too far
;;   mode 3  exact fit: memory size - n (valid: the control case)
;;   mode 4  trap:      unreachable inside wasmplane_alloc
;;   mode 5  too short: 1024 whatever n, in a one-page memory
;;   mode 6  reclaim:   the first call returns 1024; any later call takes
;;                      that region back (docs/abi.md: the host owns it only
;;                      until the next wasmplane_alloc call), fills it with
;;                      0x5A and returns 0. receive returns 99 if it finds
;;                      the host wrote into the reclaimed region anyway.
;;
;; Memory layout: [0,4) receive calls, [4,8) alloc calls.
;; Build with `wat2wasm -o alloc_liar.wasm alloc_liar.wat`.
(module
  (memory (export "memory") 1)
  (global $mode (mut i32) (i32.const 0))
  (global $given (mut i32) (i32.const 0))     ;; mode 6: region handed out
  (global $reclaimed (mut i32) (i32.const 0)) ;; mode 6: taken back

  (func (export "set_mode") (param $m i32)
    (global.set $mode (local.get $m)))

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  (func $mem_bytes (result i32)
    (i32.mul (memory.size) (i32.const 65536)))

  (func (export "wasmplane_alloc") (param $n i32) (result i32)
    (i32.store (i32.const 4) (i32.add (i32.load (i32.const 4)) (i32.const 1)))
    (if (i32.eq (global.get $mode) (i32.const 0))
      (then (return (i32.sub (call $mem_bytes) (i32.const 1)))))
    (if (i32.eq (global.get $mode) (i32.const 1))
      (then (return (i32.const 0xFFFFFFF0))))
    (if (i32.eq (global.get $mode) (i32.const 2))
      (then (return (i32.add (i32.sub (call $mem_bytes) (local.get $n))
                             (i32.const 1)))))
    (if (i32.eq (global.get $mode) (i32.const 3))
      (then (return (i32.sub (call $mem_bytes) (local.get $n)))))
    (if (i32.eq (global.get $mode) (i32.const 4))
      (then (unreachable)))
    (if (i32.eq (global.get $mode) (i32.const 5))
      (then (return (i32.const 1024))))
    ;; mode 6
    (if (i32.eqz (global.get $given))
      (then
        (global.set $given (i32.const 1))
        (return (i32.const 1024))))
    (memory.fill (i32.const 1024) (i32.const 0x5A) (i32.const 64))
    (global.set $reclaimed (i32.const 1))
    (i32.const 0))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (if (global.get $reclaimed)
      (then
        (if (i32.ne (i32.load (i32.const 1024)) (i32.const 0x5A5A5A5A))
          (then (return (i32.const 99))))))
    (i32.const 0)))

;; upper_cmd: a WASI command that knows nothing of wasmplane. It reads
;; stdin (up to 60000 bytes), writes it upper-cased to stdout and exits 0.
;; Input starting with "fail" writes a line to stderr and exits with 7.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {ptr, len}; 16: nread/nwritten; 32: the stderr line; 1024: data
  (data (i32.const 32) "upper_cmd: asked to fail\n")

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16))))

  (func (export "_start")
    (local $n i32) (local $total i32) (local $i i32) (local $b i32)
    (loop $read
      (i32.store (i32.const 0) (i32.add (i32.const 1024) (local.get $total)))
      (i32.store (i32.const 4) (i32.sub (i32.const 60000) (local.get $total)))
      (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16))
        (then (call $proc_exit (i32.const 3))))
      (local.set $n (i32.load (i32.const 16)))
      (local.set $total (i32.add (local.get $total) (local.get $n)))
      (br_if $read (i32.and (i32.ne (local.get $n) (i32.const 0))
                            (i32.lt_u (local.get $total) (i32.const 60000)))))
    ;; "fail" little-endian is 0x6c696166
    (if (i32.and (i32.ge_u (local.get $total) (i32.const 4))
                 (i32.eq (i32.load (i32.const 1024)) (i32.const 0x6c696166)))
      (then
        (call $write (i32.const 2) (i32.const 32) (i32.const 25))
        (call $proc_exit (i32.const 7))))
    (block $done
      (loop $up
        (br_if $done (i32.ge_u (local.get $i) (local.get $total)))
        (local.set $b (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $b) (i32.const 97)) (i32.le_u (local.get $b) (i32.const 122)))
          (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.sub (local.get $b) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $up)))
    (call $write (i32.const 1) (i32.const 1024) (local.get $total))))

;; ops.wat - a guest exporting typed operations of interface "t" under the
;; core-Wasm call convention of docs/boundary.md, for engine.CallOp
;; (internal/engine/op_test.go). Rebuild with `make wasm`.
;;
;; Memory: [0, 1024) scratch, [1024, 31024) the inbound buffer from
;; wasmplane_alloc (arguments), [32768, 65536) results.
(module
  (memory (export "memory") 1)

  ;; 0: honest; 1: a region past the end of memory; 2: 0 (out of memory).
  (global $alloc_mode (mut i32) (i32.const 0))
  (data (i32.const 256) "hello, ")

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))
  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (if (i32.eq (global.get $alloc_mode) (i32.const 1))
      (then (return (i32.const 65530))))
    (if (i32.eq (global.get $alloc_mode) (i32.const 2))
      (then (return (i32.const 0))))
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 30000))))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32)
    (i32.const 0))
  (func (export "set_alloc_mode") (param i32)
    (global.set $alloc_mode (local.get 0)))

  ;; answer() -> (x: i32)
  (func (export "t.answer") (result i32)
    (i32.const 42))
  ;; sink(x: i32) -> (): stores x at 16.
  (func (export "t.sink") (param i32)
    (i32.store (i32.const 16) (local.get 0)))
  ;; add_i32(a: i32, b: i32) -> (s: i32)
  (func (export "t.add_i32") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  ;; add_i64(a: i64, b: i64) -> (s: i64)
  (func (export "t.add_i64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  ;; mul_f32(a: f32, b: f32) -> (p: f32)
  (func (export "t.mul_f32") (param f32 f32) (result f32)
    (f32.mul (local.get 0) (local.get 1)))
  ;; mul_f64(a: f64, b: f64) -> (p: f64)
  (func (export "t.mul_f64") (param f64 f64) (result f64)
    (f64.mul (local.get 0) (local.get 1)))
  ;; not(b: bool) -> (r: bool)
  (func (export "t.not") (param i32) (result i32)
    (i32.eqz (local.get 0)))
  ;; divmod(a: i32, b: i32) -> (q: i32, r: i32); traps when b is 0.
  (func (export "t.divmod") (param i32 i32) (result i32 i32)
    (i32.div_s (local.get 0) (local.get 1))
    (i32.rem_s (local.get 0) (local.get 1)))
  ;; split(x: f64) -> (whole: i64, frac: f64, neg: bool); whole saturates.
  (func (export "t.split") (param $x f64) (result i64 f64 i32)
    (i64.trunc_sat_f64_s (local.get $x))
    (f64.sub (local.get $x) (f64.trunc (local.get $x)))
    (f64.lt (local.get $x) (f64.const 0)))

  ;; sum(b: bytes) -> (s: i32): the sum of the bytes.
  (func (export "t.sum") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $s))

  ;; greet(name: string) -> (s: string): "hello, " + name.
  (func (export "t.greet") (param $p i32) (param $n i32) (result i64)
    (i32.store (i32.const 32768) (i32.add (local.get $n) (i32.const 7)))
    (memory.copy (i32.const 32772) (i32.const 256) (i32.const 7))
    (memory.copy (i32.const 32779) (local.get $p) (local.get $n))
    (call $pack (i32.const 32768) (i32.add (local.get $n) (i32.const 11))))

  ;; centroid(pts: list<record{x: f64, y: f64}>) -> (c: record{x: f64, y: f64}):
  ;; the mean point; traps unless len is 4 + 16 * count.
  (func (export "t.centroid") (param $p i32) (param $len i32) (result i64)
    (local $count i32) (local $i i32) (local $e i32) (local $x f64) (local $y f64)
    (local.set $count (i32.load (local.get $p)))
    (if (i32.ne (local.get $len) (i32.add (i32.const 4) (i32.shl (local.get $count) (i32.const 4))))
      (then unreachable))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $e (i32.add (i32.add (local.get $p) (i32.const 4)) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $x (f64.add (local.get $x) (f64.load (local.get $e))))
        (local.set $y (f64.add (local.get $y) (f64.load offset=8 (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (i32.const 32768) (f64.div (local.get $x) (f64.convert_i32_u (local.get $count))))
    (f64.store (i32.const 32776) (f64.div (local.get $y) (f64.convert_i32_u (local.get $count))))
    (call $pack (i32.const 32768) (i32.const 16)))

  ;; mix(a: i32, s: string, b: bytes, f: f64, ok: bool) -> (n: i64, joined: string):
  ;; n = a + len(s) + len(b) + trunc(f) (saturating) + ok, joined = s + b.
  (func (export "t.mix")
    (param $a i32) (param $sp i32) (param $sn i32) (param $bp i32) (param $bn i32)
    (param $f f64) (param $ok i32) (result i64)
    (i64.store (i32.const 32768)
      (i64.add
        (i64.add
          (i64.add (i64.extend_i32_s (local.get $a)) (i64.extend_i32_u (local.get $sn)))
          (i64.add (i64.extend_i32_u (local.get $bn)) (i64.trunc_sat_f64_s (local.get $f))))
        (i64.extend_i32_u (local.get $ok))))
    (i32.store (i32.const 32776) (i32.add (local.get $sn) (local.get $bn)))
    (memory.copy (i32.const 32780) (local.get $sp) (local.get $sn))
    (memory.copy (i32.add (i32.const 32780) (local.get $sn)) (local.get $bp) (local.get $bn))
    (call $pack (i32.const 32768)
      (i32.add (i32.const 12) (i32.add (local.get $sn) (local.get $bn)))))

  ;; Hostile results.
  ;; bad_packed(mode: i32) -> (s: string): 0 wraps 2^32, 1 runs past the end
  ;; of memory, 2 has a length of 2^32-1.
  (func (export "t.bad_packed") (param $mode i32) (result i64)
    (if (i32.eqz (local.get $mode))
      (then (return (call $pack (i32.const 0xFFFFFFF0) (i32.const 0x20)))))
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then (return (call $pack (i32.const 65530) (i32.const 10)))))
    (call $pack (i32.const 0) (i32.const 0xFFFFFFFF)))
  ;; bad_bool() -> (b: bool): 7.
  (func (export "t.bad_bool") (result i32)
    (i32.const 7))
  ;; spin() -> (): never returns (for deadlines).
  (func (export "t.spin")
    (loop $forever (br $forever)))
  ;; wrong_sig is declared (a: i32) -> (r: i32) by the test.
  (func (export "t.wrong_sig") (param i64) (result i32)
    (i32.const 0))

  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len)))))

;; Exercises the decoder: multi-value blocks and loops with parameters,
;; nested loops, br_table, bulk memory and tables, reference types, SIMD
;; (memargs, lanes, shuffles, two-byte opcodes), threads (atomics on shared
;; memory), tail calls, sign extension and saturating truncation.
;; Build: wat2wasm --debug-names --enable-threads --enable-tail-call features.wat -o features.wasm
(module
  (type $i2ii (func (param i32) (result i32 i32)))
  (type $v2i (func (result i32)))
  (import "env" "started" (func $started))
  (memory (export "mem") 1 1 shared)
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $one $two)
  (elem $passive func $one $two)
  (data $d "hello, preempt")
  (global $g (mut i32) (i32.const 7))
  (global $gv (mut v128) (v128.const i32x4 1 2 3 4))

  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))

  ;; Block with a type-index block type (param i32) (result i32 i32).
  (func (export "multi") (result i32)
    (i32.const 5)
    (block (type $i2ii) (param i32) (result i32 i32)
      (i32.const 6))
    (i32.mul))

  ;; A loop with a parameter: the check runs with the parameter on the stack.
  (func (export "loopparam") (result i32)
    (local $n i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (i32.const 3))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 10)))))

  ;; Nested loops and a br_table dispatch inside them.
  (func (export "nested") (result i32)
    (local $i i32) (local $j i32) (local $acc i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (block $b2
          (block $b1
            (block $b0
              (br_table $b0 $b1 $b2 (i32.rem_u (local.get $j) (i32.const 3))))
            (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
            (br $b2))
          (local.set $acc (i32.add (local.get $acc) (i32.const 10))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 5))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $acc))

  ;; Bulk memory, tables and reference types.
  (func (export "bulk") (result i32)
    (memory.init $d (i32.const 100) (i32.const 0) (i32.const 14))
    (data.drop $d)
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 14))
    (memory.fill (i32.const 300) (i32.const 0x2a) (i32.const 8))
    (table.init $t $passive (i32.const 2) (i32.const 0) (i32.const 2))
    (elem.drop $passive)
    (table.copy (i32.const 0) (i32.const 2) (i32.const 1))
    (drop (table.grow $t (ref.null func) (i32.const 1)))
    (table.fill $t (i32.const 4) (ref.func $two) (i32.const 1))
    (table.set $t (i32.const 1) (table.get $t (i32.const 4)))
    (i32.add
      (i32.add (table.size $t) (call_indirect (type $v2i) (i32.const 1)))
      (select (result i32)
        (i32.const 100) (i32.const 200)
        (ref.is_null (ref.null extern)))))

  ;; SIMD with memargs, lane indices, shuffles and two-byte opcodes.
  (func (export "simd") (result i32)
    (local $v v128)
    (v128.store offset=16 align=8 (i32.const 0) (global.get $gv))
    (local.set $v (v128.load offset=16 (i32.const 0)))
    (local.set $v (i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 (local.get $v) (local.get $v)))
    (local.set $v (i32x4.replace_lane 2 (local.get $v) (i32.const 99)))
    (local.set $v (v128.load32_lane offset=4 1 (i32.const 16) (local.get $v)))
    (v128.store64_lane 0 (i32.const 64) (local.get $v))
    (local.set $v (i32x4.add (local.get $v) (i32x4.dot_i16x8_s (local.get $v) (local.get $v))))
    (local.set $v (i8x16.popcnt (local.get $v)))
    (local.set $v (f32x4.convert_i32x4_u (local.get $v)))
    (global.set $gv (local.get $v))
    (i32.add
      (i32x4.extract_lane 0 (local.get $v))
      (i32.add
        (i8x16.extract_lane_u 15 (v128.load32_zero (i32.const 64)))
        (i32x4.bitmask (local.get $v)))))

  ;; Threads: atomics on the shared memory.
  (func (export "atomics") (result i32)
    (drop (i32.atomic.rmw.add offset=512 (i32.const 0) (i32.const 5)))
    (drop (i64.atomic.rmw.cmpxchg offset=520 (i32.const 0) (i64.const 0) (i64.const 9)))
    (atomic.fence)
    (drop (memory.atomic.notify offset=512 (i32.const 0) (i32.const 1)))
    (i32.add
      (i32.add
        (i32.atomic.load offset=512 (i32.const 0))
        (i32.wrap_i64 (i64.atomic.load offset=520 (i32.const 0))))
      ;; value differs: returns 1 ("not-equal") at once
      (memory.atomic.wait32 offset=512 (i32.const 0) (i32.const 12345) (i64.const 0))))

  ;; Sign extension and saturating truncation.
  (func (export "numeric") (result i32)
    (i32.add
      (i32.extend8_s (i32.const 0xff))
      (i32.trunc_sat_f32_s (f32.const 3e10))))

  ;; Tail calls, direct and indirect.
  (func $count (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $count (i32.sub (local.get $n) (i32.const 1)) (i32.add (local.get $acc) (local.get $n))))))
  (func (export "tail") (result i32)
    (i32.add
      (call $count (i32.const 100000) (i32.const 0))
      (return_call_indirect (type $v2i) (i32.const 0))))

  (func (export "globals") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g)))

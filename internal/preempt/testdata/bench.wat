;; Guests for the behaviour tests and the benchmarks.
;; Build: wat2wasm bench.wat -o bench.wasm
(module
  (import "env" "started" (func $started))

  ;; Loop-heavy: a tight counting loop.
  (func (export "count") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (i64.xor (local.get $i) (i64.const 0x5555))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; Call-heavy: naive recursive Fibonacci.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; Runaway guests: they call env.started once, then never return.
  (func (export "spin")
    (call $started)
    (loop $l (br $l)))

  (func $leaf (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))

  ;; An endless loop that calls a (non-recursive) leaf function.
  (func (export "callspin")
    (local $x i32)
    (call $started)
    (loop $l
      (local.set $x (call $leaf (local.get $x)))
      (br $l))))

;; strlib.wat - a third-party string library that knows nothing of
;; wasmplane, with the component model's allocator: cabi_realloc (a bump
;; allocator that never frees) and reverse(ptr, len) -> i64 returning
;; ptr<<32 | len of a u32 length and the reversed bytes. Served through
;; engine.LoadProxy (internal/engine/proxy_test.go). Rebuild with
;; `make wasm`.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $allocs (mut i32) (i32.const 0))

  ;; Bump allocation of size bytes aligned to align; 0 if memory cannot grow.
  (func $bump (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.lt_s
              (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
              (i32.const 0))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
    (local.get $p))

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32)
    (param $align i32) (param $size i32) (result i32)
    (call $bump (select (local.get $align) (i32.const 1) (local.get $align)) (local.get $size)))

  (func (export "allocs") (result i32)
    (global.get $allocs))

  (func (export "reverse") (param $p i32) (param $n i32) (result i64)
    (local $out i32) (local $i i32)
    (local.set $out (call $bump (i32.const 4) (i32.add (local.get $n) (i32.const 4))))
    (if (i32.eqz (local.get $out)) (then unreachable))
    (i32.store (local.get $out) (local.get $n))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8
          (i32.add (i32.add (local.get $out) (i32.const 4)) (local.get $i))
          (i32.load8_u (i32.sub (i32.add (local.get $p) (local.get $n))
            (i32.add (local.get $i) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.add (local.get $n) (i32.const 4))))))

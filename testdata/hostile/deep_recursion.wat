;; deep_recursion.wat - hostile guest: a message whose kind starts with 'r'
;; recurses without bound (a small frame with kind "r...", a frame with many
;; live locals with kind "R..."), which must end in a stack-exhaustion trap
;; reported as an error, not a crash of the host. Any other kind returns 0,
;; so a fresh instance can show it still works.
;; Build with `wat2wasm -o deep_recursion.wasm deep_recursion.wat`.
(module
  (memory (export "memory") 1)

  (func (export "wasmplane_abi_version") (result i32)
    (i32.const 1))

  (func (export "wasmplane_alloc") (param $size i32) (result i32)
    (select (i32.const 1024) (i32.const 0)
      (i32.le_u (local.get $size) (i32.const 60000))))

  ;; Never returns: each call adds one frame.
  (func $small (param $depth i64) (result i64)
    (i64.add (call $small (i64.add (local.get $depth) (i64.const 1)))
      (i64.const 1)))

  ;; The same with a fat frame: eight i64 values live across the call.
  (func $fat (param $a i64) (result i64)
    (local $b i64) (local $c i64) (local $d i64) (local $e i64)
    (local $f i64) (local $g i64) (local $h i64)
    (local.set $b (i64.mul (local.get $a) (i64.const 3)))
    (local.set $c (i64.add (local.get $b) (i64.const 5)))
    (local.set $d (i64.xor (local.get $c) (local.get $a)))
    (local.set $e (i64.rotl (local.get $d) (i64.const 7)))
    (local.set $f (i64.sub (local.get $e) (local.get $b)))
    (local.set $g (i64.or (local.get $f) (local.get $c)))
    (local.set $h (i64.and (local.get $g) (local.get $e)))
    (i64.add
      (i64.add
        (i64.add (local.get $a) (local.get $b))
        (i64.add (local.get $c) (local.get $d)))
      (i64.add
        (i64.add (local.get $e) (local.get $f))
        (i64.add (local.get $g)
          (i64.add (local.get $h)
            (call $fat (i64.add (local.get $a) (i64.const 1))))))))

  (func (export "wasmplane_receive")
    (param $sender i64) (param $corr i64) (param $flags i32)
    (param $kind_ptr i32) (param $kind_len i32)
    (param $data_ptr i32) (param $data_len i32) (result i32)
    (local $first i32)
    (if (i32.eqz (local.get $kind_len))
      (then (return (i32.const 0))))
    (local.set $first (i32.load8_u (local.get $kind_ptr)))
    (if (i32.eq (local.get $first) (i32.const 0x72)) ;; 'r'
      (then (drop (call $small (i64.const 0)))))
    (if (i32.eq (local.get $first) (i32.const 0x52)) ;; 'R'
      (then (drop (call $fat (i64.const 0)))))
    (i32.const 0)))

;; Endless mutual tail calls without any loop: only the function-entry
;; checks can stop it.
;; Build: wat2wasm --enable-tail-call tailspin.wat -o tailspin.wasm
(module
  (import "env" "started" (func $started))
  (func $ping (param i32) (result i32)
    (return_call $pong (i32.add (local.get 0) (i32.const 1))))
  (func $pong (param i32) (result i32)
    (return_call $ping (i32.xor (local.get 0) (i32.const 3))))
  (func (export "run") (result i32)
    (call $started)
    (return_call $ping (i32.const 0))))

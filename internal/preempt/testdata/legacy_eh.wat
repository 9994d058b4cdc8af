;; Legacy exception handling (try/catch/catch_all/rethrow/delegate). wazero
;; does not run it; the decoder must still walk it.
;; Build: wat2wasm --enable-exceptions legacy_eh.wat -o legacy_eh.wasm
(module
  (tag $e (param i32))
  (func (export "f") (result i32)
    (try (result i32)
      (do
        (loop $l
          (try
            (do (throw $e (i32.const 1)))
            (delegate 1)))
        (i32.const 0))
      (catch $e)
      (catch_all (i32.const 2))))
  (func (export "g")
    (try
      (do (nop))
      (catch_all (rethrow 0)))))

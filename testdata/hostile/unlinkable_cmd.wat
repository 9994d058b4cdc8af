;; unlinkable_cmd.wat - a WASI command whose only import is a global from a
;; module the host does not provide. wazero compiles it (imports are linked
;; at instantiation), so only the load check can refuse it; it must fail
;; the load, not every run. Build with
;; `wat2wasm -o unlinkable_cmd.wasm unlinkable_cmd.wat`.
(module
  (import "env" "g" (global $g (mut i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (global.set $g (i32.const 1))))

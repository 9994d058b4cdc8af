;; The host's wait/notify helper (see wasmwaiter.go, waiterModule, which
;; builds these bytes with the import names of the memory it serves; the
;; test compares the two when wat2wasm is installed).
(module
  (import "env" "memory" (memory 0 65536 shared))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    local.get 0
    local.get 1
    local.get 2
    memory.atomic.wait32)
  (func (export "notify") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    memory.atomic.notify))

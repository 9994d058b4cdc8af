;; spin: a guest that never returns. wasmplane_receive spins forever on
;; kind "spin" (and returns 0 otherwise); wasmplane_pre_stop always spins.
;; Used to test execution deadlines and kills.
(module
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32) (i32.const 1))
  (func (export "wasmplane_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmplane_receive")
    (param i64 i64 i32 i32 i32 i32 i32) (result i32)
    ;; kind "spin" little-endian is 0x6e697073
    (if (i32.and (i32.eq (local.get 4) (i32.const 4))
                 (i32.eq (i32.load (local.get 3)) (i32.const 0x6e697073)))
      (then (loop $forever (br $forever))))
    (i32.const 0))
  (func (export "wasmplane_pre_stop") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))

;; shmcalls.wat - a guest with its own memory that reaches shared regions
;; through the copying shm_* host imports (docs/abi.md, "Shared regions").
;; Built at test time by shared_host_test.go (wat2wasm).
(module
  (import "wasmplane" "shm_read" (func $shm_read (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "shm_write" (func $shm_write (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "ring_push" (func $ring_push (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "ring_pop" (func $ring_pop (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmplane" "tb_publish" (func $tb_publish (param i32 i32 i32 i32) (result i64)))
  (import "wasmplane" "tb_acquire" (func $tb_acquire (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmplane_abi_version") (result i32) i32.const 1)
  (func (export "wasmplane_alloc") (param i32) (result i32) i32.const 0)
  (func (export "wasmplane_receive") (param i64 i64 i32 i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "t_shm_read") (param i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 call $shm_read)
  (func (export "t_shm_write") (param i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 call $shm_write)
  (func (export "t_ring_push") (param i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 call $ring_push)
  (func (export "t_ring_pop") (param i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 call $ring_pop)
  (func (export "t_tb_publish") (param i32 i32 i32 i32) (result i64)
    local.get 0 local.get 1 local.get 2 local.get 3 call $tb_publish)
  (func (export "t_tb_acquire") (param i32 i32 i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 call $tb_acquire)
  ;; publish_n publishes n frames of len bytes at src to the region named
  ;; at (name, name_len): the loop the copy-cost benchmark times.
  (func (export "publish_n") (param $name i32) (param $nl i32) (param $src i32) (param $len i32) (param $n i32) (result i64)
    (local $g i64)
    (block $done
      (loop $next
        local.get $n i32.eqz br_if $done
        local.get $name local.get $nl local.get $src local.get $len call $tb_publish local.set $g
        local.get $n i32.const 1 i32.sub local.set $n
        br $next))
    local.get $g)
)

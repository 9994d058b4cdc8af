;; No global and no export section: Instrument must create both, in order,
;; between the memory section and the code/data sections. Imported globals
;; come first in the index space, so the flag's index is 2.
;; Build: wat2wasm --debug-names sections.wat -o sections.wasm
(module $sections
  (import "env" "g0" (global $g0 i32))
  (import "env" "g1" (global $g1 (mut i64)))
  (memory 1)
  (func $spin (loop $l (br $l)))
  (func $sum (result i64)
    (i64.add (i64.extend_i32_u (global.get $g0)) (global.get $g1)))
  (start $sum_start)
  (func $sum_start (drop (call $sum)))
  (data (i32.const 0) "data after code"))

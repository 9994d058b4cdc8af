/* A sharing guest for internal/engine's shared-memory tests
 * (shared_test.go), built at test time with the recipe of docs/shm.md:
 *   clang --target=wasm32 -nostdlib -O2 -matomics -mbulk-memory \
 *     -mmutable-globals -I../../guest/c -c -o sharing.o sharing.c
 *   wasm-ld -m wasm32 --no-entry --import-memory --shared-memory \
 *     --max-memory=N --global-base=1024 -z stack-size=8192 \
 *     --export=__stack_pointer --export=__heap_base -o sharing.wasm sharing.o
 *
 * It speaks just enough of the guest ABI to load as a guest (no static
 * inbox: statics are shared by every instance). Entries are 64 bytes:
 * u64 seq, u64 producer id, 5 × u64 payload (seq * MIX + i), u64 sum.
 */
#include "wasmplane_shm.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define MIX 0x9E3779B97F4A7C15ull
#define TIMEOUT_NS 10000000000ll

EXPORT("wasmplane_abi_version") int32_t abi_version(void) { return 1; }
EXPORT("wasmplane_alloc") uint32_t alloc(uint32_t size) { (void)size; return 0; }
EXPORT("wasmplane_receive") int32_t receive(uint64_t s, uint64_t c, uint32_t f, uint32_t kp,
                                            uint32_t kl, uint32_t dp, uint32_t dl) {
  (void)s; (void)c; (void)f; (void)kp; (void)kl; (void)dp; (void)dl;
  return 0;
}

static void fill(uint64_t *e, uint64_t id, uint64_t seq) {
  uint64_t sum = 0;
  e[0] = seq;
  e[1] = id;
  for (int i = 0; i < 5; i++) {
    e[2 + i] = seq * MIX + (uint64_t)i;
    sum += e[2 + i];
  }
  e[7] = sum ^ seq ^ id;
}

/* produce pushes entries seq 0..n-1 of producer id to region `ring` in
 * batches of 4, waiting (wait32) while the ring is full. Returns the
 * number pushed. */
EXPORT("produce") uint32_t produce(uint32_t meta, uint32_t ring, uint32_t id, uint32_t n) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), ring);
  uint64_t buf[4 * 8];
  uint32_t done = 0;
  if (!d || wp_shm_check(wp_shm_ptr(meta))) return 0;
  while (done < n) {
    uint32_t k = n - done < 4 ? n - done : 4;
    for (uint32_t i = 0; i < k; i++) fill(buf + 8 * i, id, done + i);
    uint32_t got = wp_ring_push(d, buf, k, TIMEOUT_NS);
    done += got;
    if (got < k) break;
  }
  return done;
}

/* consume pops n entries, checks each (id, sequence, payload, sum) and
 * returns the number of bad or missing ones; *out gets the xor of all
 * sums, for the host to compare. */
EXPORT("consume") uint32_t consume(uint32_t meta, uint32_t ring, uint32_t id, uint32_t n, uint32_t out) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), ring);
  uint64_t buf[8 * 8], x = 0;
  uint32_t bad = 0, seen = 0;
  if (!d) return n + 1;
  while (seen < n) {
    uint32_t k = wp_ring_pop(d, buf, 8, TIMEOUT_NS);
    if (!k) return bad + (n - seen);
    for (uint32_t i = 0; i < k; i++) {
      uint64_t want[8];
      fill(want, id, seen + i);
      for (int j = 0; j < 8; j++)
        if (buf[8 * i + j] != want[j]) { bad++; break; }
      x ^= buf[8 * i + 7];
    }
    seen += k;
  }
  __atomic_store_n((uint64_t *)(void *)wp_shm_ptr(out), x, __ATOMIC_SEQ_CST);
  return bad;
}

/* stack_addr returns the address of a local: where the instance's stack is. */
static uint32_t addr_of(volatile uint32_t *p) { return (uint32_t)(uintptr_t)p; }
EXPORT("stack_addr") uint32_t stack_addr(void) {
  volatile uint32_t x = 0;
  uint32_t a = addr_of(&x);
  return a + x;
}

/* A sharing guest for internal/shm's cross-side test (cross_test.go).
 * Built at test time:
 *   clang --target=wasm32 -nostdlib -O2 -matomics -mbulk-memory \
 *     -mmutable-globals -I../../guest/c -c -o guest.o guest.c
 *   wasm-ld -m wasm32 --no-entry --import-memory --shared-memory \
 *     --max-memory=N --global-base=1024 -z stack-size=16384 \
 *     --export=__stack_pointer -o guest.wasm guest.o
 * Entries are 16 bytes: v = id<<48 | seq, then v * 0x9E3779B97F4A7C15.
 * produce works on SPSC and MPSC rings (wp_ring_push reads the kind).
 */
#include "wasmplane_shm.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define MIX 0x9E3779B97F4A7C15ull
#define TIMEOUT_NS 5000000000ll

/* produce pushes entries seq = 0..n-1 of producer id, in batches of 8.
 * Returns the number pushed. */
EXPORT("produce") uint32_t produce(uint32_t meta, uint32_t ring, uint32_t id, uint32_t n) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), ring);
  uint64_t buf[16];
  uint32_t done = 0;
  if (!d || wp_shm_check(wp_shm_ptr(meta))) return 0;
  while (done < n) {
    uint32_t k = n - done < 8 ? n - done : 8;
    for (uint32_t i = 0; i < k; i++) {
      uint64_t v = (uint64_t)id << 48 | (done + i);
      buf[2 * i] = v;
      buf[2 * i + 1] = v * MIX;
    }
    uint32_t got = wp_ring_push(d, buf, k, TIMEOUT_NS);
    done += got;
    if (got < k) break;
  }
  return done;
}

/* forward pops n entries from ring `in`, checks that they are producer
 * id's sequence 0..n-1 with valid checks, and pushes each to ring `out`.
 * Returns the number of bad entries + entries not forwarded. */
EXPORT("forward") uint32_t forward(uint32_t meta, uint32_t in, uint32_t out, uint32_t id, uint32_t n) {
  uint8_t *di = wp_shm_desc(wp_shm_ptr(meta), in), *dout = wp_shm_desc(wp_shm_ptr(meta), out);
  uint64_t buf[2 * 16];
  uint32_t bad = 0, seen = 0;
  if (!di || !dout) return n + 1;
  while (seen < n) {
    uint32_t k = wp_ring_pop(di, buf, 16, TIMEOUT_NS);
    if (!k) return bad + (n - seen);
    for (uint32_t i = 0; i < k; i++) {
      uint64_t v = buf[2 * i];
      if (buf[2 * i + 1] != v * MIX || v != ((uint64_t)id << 48 | (seen + i))) bad++;
    }
    if (wp_ring_push(dout, buf, k, TIMEOUT_NS) != k) return bad + (n - seen);
    seen += k;
  }
  return bad;
}

/* mutex_add adds 1 to two plain u64 counters in a Mutex region n times,
 * under the lock; returns how often they differed (must be 0). */
EXPORT("mutex_add") uint32_t mutex_add(uint32_t meta, uint32_t region, uint32_t n) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), region);
  uint32_t *w = wp_mutex_word(d);
  volatile uint64_t *c = (volatile uint64_t *)(void *)wp_shm_payload(d);
  uint32_t broken = 0;
  for (uint32_t i = 0; i < n; i++) {
    wp_mutex_lock(w);
    uint64_t a = c[0], b = c[1];
    if (a != b) broken++;
    c[0] = a + 1;
    c[1] = b + 1;
    wp_mutex_unlock(w);
  }
  return broken;
}

/* tb_write publishes frames 1..n: frame g is `size` bytes, word i holds
 * g*31 + i, the last word the sum of the others. */
EXPORT("tb_write") uint64_t tb_write(uint32_t meta, uint32_t region, uint32_t n, uint32_t size) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), region);
  uint64_t last = 0;
  for (uint32_t g = 1; g <= n; g++) {
    uint32_t *f = (uint32_t *)(void *)wp_tb_back(d), words = size / 4, sum = 0;
    for (uint32_t i = 0; i + 1 < words; i++) {
      f[i] = g * 31 + i;
      sum += f[i];
    }
    f[words - 1] = sum;
    last = wp_tb_publish(d, size);
  }
  return last;
}

/* rcu_read pins the current version of an RCU region n times while a
 * writer publishes: version v holds v*31 + i in u32 word i of its `size`
 * bytes and the sum of the others in the last word. Checks each snapshot
 * and that versions never go back; writes the number of version changes
 * seen as a u32 at out. Returns the number of bad snapshots. */
EXPORT("rcu_read") uint32_t rcu_read(uint32_t meta, uint32_t region, uint32_t n, uint32_t size, uint32_t out) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), region);
  uint64_t last = 0;
  uint32_t bad = 0, changes = 0;
  if (!d) return n + 1;
  for (uint32_t k = 0; k < n; k++) {
    wp_rcu_snap s;
    if (wp_rcu_read(d, &s)) return bad + (n - k);
    if (s.version == 0) { /* nothing published yet */
      wp_rcu_release(d, s.index);
      continue;
    }
    const uint32_t *w = (const uint32_t *)(const void *)s.data;
    uint32_t words = size / 4, sum = 0, ok = s.len == size && s.version >= last;
    for (uint32_t i = 0; ok && i + 1 < words; i++) {
      ok = w[i] == (uint32_t)s.version * 31 + i;
      sum += w[i];
    }
    if (!ok || w[words - 1] != sum) bad++;
    if (s.version != last) changes++;
    last = s.version;
    wp_rcu_release(d, s.index);
  }
  *wp_shm_w32(wp_shm_ptr(out), 0) = changes;
  return bad;
}

/* slots_churn allocates a slot n times, writes an entry of producer id
 * into it, reads it back through its handle, frees it and checks that
 * the handle is then stale for both get and free. Returns the number of
 * failures. */
EXPORT("slots_churn") uint32_t slots_churn(uint32_t meta, uint32_t region, uint32_t id, uint32_t n) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), region);
  uint32_t bad = 0;
  if (!d) return n + 1;
  for (uint32_t k = 0; k < n; k++) {
    uint64_t h = wp_slots_alloc(d), v = (uint64_t)id << 48 | k;
    if (!h) { /* every slot live: another agent holds them; retry */
      k--;
      continue;
    }
    volatile uint64_t *e = (volatile uint64_t *)(void *)wp_slots_get(d, h);
    if (!e) { bad++; continue; }
    e[0] = v;
    e[1] = v * MIX;
    volatile uint64_t *again = (volatile uint64_t *)(void *)wp_slots_get(d, h);
    if (again != e || e[0] != v || e[1] != v * MIX) bad++;
    if (wp_slots_free(d, h)) bad++;
    if (wp_slots_get(d, h) || !wp_slots_free(d, h)) bad++; /* stale: rejected */
  }
  return bad;
}

/* slots_read returns the first u64 of handle h's slot, or -1 if h is
 * stale. */
EXPORT("slots_read") int64_t slots_read(uint32_t meta, uint32_t region, uint64_t h) {
  uint8_t *d = wp_shm_desc(wp_shm_ptr(meta), region);
  const uint8_t *e = d ? wp_slots_get(d, h) : 0;
  if (!e) return -1;
  return (int64_t)*(const volatile uint64_t *)(const void *)e;
}

/* find returns the index of the region named by the NUL-terminated
 * string at name, or -1. */
EXPORT("find") int32_t find(uint32_t meta, uint32_t name) {
  uint8_t *m = wp_shm_ptr(meta), *d = wp_shm_find(m, (const char *)wp_shm_ptr(name));
  if (!d) return -1;
  return (int32_t)((d - m - WP_SHM_HDR_SIZE) / WP_SHM_DESC_BYTES);
}

/*
 * wasmplane_shm.h - shared-memory primitives for C guests (layout v1).
 *
 * The same bytes and the same protocol as the host's internal/shm package:
 * a metadata block of atomic words (header, one 256-byte descriptor per
 * region, one partition entry per instance), then 64-byte-aligned regions.
 * The constants below are checked against the Go code by
 * internal/shm TestHeaderConstants; the byte table is in internal/shm/doc.go.
 *
 * # Building a sharing guest
 *
 *   clang --target=wasm32 -nostdlib -O2 -matomics -mbulk-memory \
 *     -mmutable-globals -Iguest/c -c -o guest.o guest.c
 *   wasm-ld -m wasm32 --no-entry --import-memory --shared-memory \
 *     --max-memory=<bytes, = the memory's maximum> --global-base=<below the
 *     layout's Base> --export=__stack_pointer -o guest.wasm guest.o
 *
 * Link with wasm-ld directly: clang driving the link runs wasm-opt when one
 * is on PATH. The guest imports env.memory (shared) as its one memory; the
 * host sets each instance's __stack_pointer to its partition's StackHi
 * before the first call and passes the metadata address (Layout.Base) to
 * the guest, e.g. as an argument.
 *
 * C static variables live in the shared image, so they are shared by all
 * instances: keep per-instance state on the stack or in the partition's
 * heap (PartHeapLo..PartHeapHi).
 *
 * # Waiting
 *
 * Blocking calls take timeout_ns (-1: no limit) and wait with
 * memory.atomic.wait32. A guest has no clock here, so timeout_ns bounds
 * each wait in which nothing happens: the call gives up when one wait
 * times out, and starts over after a wake-up that brought no progress.
 * A host using SpinWaiter cannot wake a waiting guest: use finite
 * timeouts then (the host's WasmWaiter wakes guests as guests do).
 *
 * # Who may call what
 *
 * Triple buffer: one writer (wp_tb_back, wp_tb_publish), one reader
 * (wp_tb_acquire). SPSC ring: one producer, one consumer. MPSC ring: any
 * number of producers, one consumer. Mutex, RCU, slot tables: anyone.
 */
#ifndef WASMPLANE_SHM_H
#define WASMPLANE_SHM_H

#ifndef __wasm_atomics__
#error "wasmplane_shm.h needs -matomics (and wasm-ld --shared-memory)"
#endif
#ifndef __wasm_bulk_memory__
#error "wasmplane_shm.h needs -mbulk-memory (memcpy lowers to memory.copy)"
#endif

#include <stddef.h>
#include <stdint.h>

/* ---- layout constants (internal/shm/meta.go) ---- */
#define WP_SHM_MAGIC 0x4D535057u
#define WP_SHM_VERSION 1u
#define WP_SHM_LINE_SIZE 64u

#define WP_SHM_HDR_MAGIC 0u
#define WP_SHM_HDR_VERSION 4u
#define WP_SHM_HDR_REGION_COUNT 8u
#define WP_SHM_HDR_INSTANCES 12u
#define WP_SHM_HDR_DESC_OFF 16u
#define WP_SHM_HDR_PART_OFF 20u
#define WP_SHM_HDR_END 24u
#define WP_SHM_HDR_BASE 32u
#define WP_SHM_HDR_META_SIZE 36u
#define WP_SHM_HDR_SIZE 64u

#define WP_SHM_DESC_KIND 0u
#define WP_SHM_DESC_OFFSET 4u
#define WP_SHM_DESC_SIZE 8u
#define WP_SHM_DESC_SLOT_SIZE 12u
#define WP_SHM_DESC_SLOTS 16u
#define WP_SHM_DESC_STRIDE 20u
#define WP_SHM_DESC_NAME 32u
#define WP_SHM_DESC_WORD_A 64u
#define WP_SHM_DESC_WORD_A2 68u
#define WP_SHM_DESC_WORD_A64 72u
#define WP_SHM_DESC_WORD_B 128u
#define WP_SHM_DESC_WORD_C 192u
#define WP_SHM_DESC_WORD_D 196u
#define WP_SHM_DESC_BYTES 256u
#define WP_SHM_NAME_MAX 31u

#define WP_SHM_PART_STACK_LO 0u
#define WP_SHM_PART_STACK_HI 4u
#define WP_SHM_PART_HEAP_LO 8u
#define WP_SHM_PART_HEAP_HI 12u
#define WP_SHM_PART_BYTES 16u

#define WP_SHM_TB_STATE WP_SHM_DESC_WORD_A
#define WP_SHM_TB_GEN WP_SHM_DESC_WORD_A64
#define WP_SHM_TB_WAITING WP_SHM_DESC_WORD_C
#define WP_SHM_TB_SLOT_GEN 0u
#define WP_SHM_TB_SLOT_LEN 8u
#define WP_SHM_TB_SLOT_HEADER 64u

#define WP_SHM_RING_TAIL WP_SHM_DESC_WORD_A
#define WP_SHM_RING_COMMITS WP_SHM_DESC_WORD_A2
#define WP_SHM_RING_HEAD WP_SHM_DESC_WORD_B
#define WP_SHM_RING_WAIT_DATA WP_SHM_DESC_WORD_C
#define WP_SHM_RING_WAIT_SPACE WP_SHM_DESC_WORD_D
#define WP_SHM_MPSC_SLOT_SEQ 0u
#define WP_SHM_MPSC_SLOT_HEADER 8u

#define WP_SHM_MUTEX_WORD WP_SHM_DESC_WORD_A

#define WP_SHM_RCU_CURRENT WP_SHM_DESC_WORD_A
#define WP_SHM_RCU_WRITER_LOCK WP_SHM_DESC_WORD_A2
#define WP_SHM_RCU_VERSION WP_SHM_DESC_WORD_A64
#define WP_SHM_RCU_WAITING WP_SHM_DESC_WORD_C
#define WP_SHM_RCU_VER_READERS 0u
#define WP_SHM_RCU_VER_NUMBER 8u
#define WP_SHM_RCU_VER_LEN 16u
#define WP_SHM_RCU_VER_HEADER 64u
#define WP_SHM_RCU_MAX_VERSIONS 255u

#define WP_SHM_SLOTS_HINT WP_SHM_DESC_WORD_A
#define WP_SHM_SLOTS_LIVE WP_SHM_DESC_WORD_B

/* Region kinds (DescKind). */
#define WP_SHM_KIND_RAW 0u
#define WP_SHM_KIND_TRIPLE_BUFFER 1u
#define WP_SHM_KIND_SPSC_RING 2u
#define WP_SHM_KIND_MPSC_RING 3u
#define WP_SHM_KIND_MUTEX 4u
#define WP_SHM_KIND_RCU 5u
#define WP_SHM_KIND_SLOTS 6u

/* Triple-buffer state word: back | middle<<2 | front<<4 | fresh<<6 | gen<<7 */
#define WP_SHM_TB_FRESH (1u << 6)
#define WP_SHM_TB_GEN_SHIFT 7u
#define WP_SHM_SLOT_RETIRED 0xFFFFFFFEu

/* ---- words ---- */
#define WP_SHM_SC __ATOMIC_SEQ_CST

static inline uint32_t *wp_shm_w32(uint8_t *p, uint32_t off) {
  return (uint32_t *)(void *)(p + off);
}
static inline uint64_t *wp_shm_w64(uint8_t *p, uint32_t off) {
  return (uint64_t *)(void *)(p + off);
}
static inline uint32_t wp_shm_ld(uint32_t *w) { return __atomic_load_n(w, WP_SHM_SC); }
static inline void wp_shm_st(uint32_t *w, uint32_t v) { __atomic_store_n(w, v, WP_SHM_SC); }
static inline int wp_shm_cas(uint32_t *w, uint32_t old, uint32_t v) {
  return __atomic_compare_exchange_n(w, &old, v, 0, WP_SHM_SC, WP_SHM_SC);
}
static inline uint32_t wp_shm_add(uint32_t *w, uint32_t v) {
  return __atomic_fetch_add(w, v, WP_SHM_SC);
}
/* wait32: 0 woken, 1 not equal, 2 timed out. */
static inline int wp_shm_wait(uint32_t *w, uint32_t expected, int64_t timeout_ns) {
  return __builtin_wasm_memory_atomic_wait32((int *)w, (int)expected, timeout_ns);
}
static inline uint32_t wp_shm_notify(uint32_t *w, uint32_t count) {
  return __builtin_wasm_memory_atomic_notify((int *)w, count);
}
static inline uint8_t *wp_shm_ptr(uint32_t addr) { return (uint8_t *)(uintptr_t)addr; }

/* ---- metadata ---- */

/* wp_shm_check returns 0 when meta holds a v1 metadata block. */
static inline int wp_shm_check(uint8_t *meta) {
  if (wp_shm_ld(wp_shm_w32(meta, WP_SHM_HDR_MAGIC)) != WP_SHM_MAGIC) return -1;
  if (*wp_shm_w32(meta, WP_SHM_HDR_VERSION) != WP_SHM_VERSION) return -2;
  return 0;
}
static inline uint32_t wp_shm_region_count(uint8_t *meta) {
  return *wp_shm_w32(meta, WP_SHM_HDR_REGION_COUNT);
}
/* wp_shm_desc returns region i's descriptor (0 if out of range). */
static inline uint8_t *wp_shm_desc(uint8_t *meta, uint32_t i) {
  if (i >= wp_shm_region_count(meta)) return 0;
  return meta + *wp_shm_w32(meta, WP_SHM_HDR_DESC_OFF) + i * WP_SHM_DESC_BYTES;
}
/* wp_shm_find returns the descriptor of the region named name (0: none). */
static inline uint8_t *wp_shm_find(uint8_t *meta, const char *name) {
  for (uint32_t i = 0, n = wp_shm_region_count(meta); i < n; i++) {
    uint8_t *d = wp_shm_desc(meta, i);
    const uint8_t *s = d + WP_SHM_DESC_NAME;
    uint32_t k = 0;
    while (k <= WP_SHM_NAME_MAX && s[k] == (uint8_t)name[k] && name[k]) k++;
    if (k <= WP_SHM_NAME_MAX && s[k] == 0 && name[k] == 0) return d;
  }
  return 0;
}
static inline uint32_t wp_shm_field(uint8_t *d, uint32_t off) { return *wp_shm_w32(d, off); }
/* wp_shm_payload returns the region's first payload byte. */
static inline uint8_t *wp_shm_payload(uint8_t *d) {
  return wp_shm_ptr(wp_shm_field(d, WP_SHM_DESC_OFFSET));
}
/* wp_shm_partition returns instance i's partition entry (PART_* fields). */
static inline uint8_t *wp_shm_partition(uint8_t *meta, uint32_t i) {
  return meta + *wp_shm_w32(meta, WP_SHM_HDR_PART_OFF) + i * WP_SHM_PART_BYTES;
}

/* ---- SharedMutex: 0 unlocked, 1 locked, 2 locked + waiters ---- */

static inline uint32_t *wp_mutex_word(uint8_t *d) { return wp_shm_w32(d, WP_SHM_MUTEX_WORD); }
static inline int wp_mutex_trylock(uint32_t *w) { return wp_shm_cas(w, 0, 1); }
/* wp_mutex_lock_timeout returns 0 when locked, -1 when a wait timed out. */
static inline int wp_mutex_lock_timeout(uint32_t *w, int64_t timeout_ns) {
  if (wp_shm_cas(w, 0, 1)) return 0;
  for (int i = 0; i < 64; i++)
    if (wp_shm_ld(w) == 0 && wp_shm_cas(w, 0, 1)) return 0;
  for (;;) {
    if (__atomic_exchange_n(w, 2u, WP_SHM_SC) == 0) return 0;
    if (wp_shm_wait(w, 2, timeout_ns) == 2) return -1;
  }
}
static inline void wp_mutex_lock(uint32_t *w) { (void)wp_mutex_lock_timeout(w, -1); }
static inline void wp_mutex_unlock(uint32_t *w) {
  if (__atomic_exchange_n(w, 0u, WP_SHM_SC) != 1) wp_shm_notify(w, 1);
}

/* ---- triple buffer ---- */

static inline int wp_tb_ok(uint32_t s) {
  uint32_t b = s & 3, m = s >> 2 & 3, f = s >> 4 & 3;
  return b < 3 && m < 3 && f < 3 && b != m && m != f && b != f;
}
static inline uint8_t *wp_tb_slot(uint8_t *d, uint32_t i) {
  return wp_shm_payload(d) + i * wp_shm_field(d, WP_SHM_DESC_STRIDE);
}
/* wp_tb_back returns the frame the writer fills next (SLOT_SIZE bytes). */
static inline uint8_t *wp_tb_back(uint8_t *d) {
  uint32_t s = wp_shm_ld(wp_shm_w32(d, WP_SHM_TB_STATE));
  return wp_tb_slot(d, s & 3) + WP_SHM_TB_SLOT_HEADER;
}
/* wp_tb_publish publishes the back frame's first n bytes; returns its
 * generation, 0 on a corrupt state word. Never blocks. */
static inline uint64_t wp_tb_publish(uint8_t *d, uint32_t n) {
  uint32_t *st = wp_shm_w32(d, WP_SHM_TB_STATE);
  uint64_t *pg = wp_shm_w64(d, WP_SHM_TB_GEN);
  uint64_t gen = __atomic_load_n(pg, WP_SHM_SC) + 1;
  uint32_t s = wp_shm_ld(st);
  if (!wp_tb_ok(s)) return 0;
  uint32_t b = s & 3;
  uint8_t *h = wp_tb_slot(d, b);
  *wp_shm_w64(h, WP_SHM_TB_SLOT_GEN) = gen;
  *wp_shm_w32(h, WP_SHM_TB_SLOT_LEN) = n;
  for (;;) {
    if (!wp_tb_ok(s) || (s & 3) != b) return 0;
    uint32_t m = s >> 2 & 3, f = s >> 4 & 3;
    uint32_t next = m | b << 2 | f << 4 | WP_SHM_TB_FRESH |
                    ((s >> WP_SHM_TB_GEN_SHIFT) + 1) << WP_SHM_TB_GEN_SHIFT;
    if (wp_shm_cas(st, s, next)) break;
    s = wp_shm_ld(st);
  }
  __atomic_store_n(pg, gen, WP_SHM_SC);
  if (wp_shm_ld(wp_shm_w32(d, WP_SHM_TB_WAITING))) wp_shm_notify(st, 0xFFFFFFFFu);
  return gen;
}
/* wp_tb_acquire takes the latest frame; *len, *gen (0: none yet) and
 * *fresh describe it. The frame is the reader's until its next acquire.
 * Returns 0 on a corrupt state word. */
static inline const uint8_t *wp_tb_acquire(uint8_t *d, uint32_t *len, uint64_t *gen, int *fresh) {
  uint32_t *st = wp_shm_w32(d, WP_SHM_TB_STATE);
  uint32_t s = wp_shm_ld(st), f;
  *fresh = 0;
  for (;;) {
    if (!wp_tb_ok(s)) return 0;
    f = s >> 4 & 3;
    if (!(s & WP_SHM_TB_FRESH)) break;
    uint32_t m = s >> 2 & 3;
    uint32_t next = (s & 3) | f << 2 | m << 4 | (s >> WP_SHM_TB_GEN_SHIFT) << WP_SHM_TB_GEN_SHIFT;
    if (wp_shm_cas(st, s, next)) { f = m; *fresh = 1; break; }
    s = wp_shm_ld(st);
  }
  uint8_t *h = wp_tb_slot(d, f);
  *gen = *wp_shm_w64(h, WP_SHM_TB_SLOT_GEN);
  *len = *wp_shm_w32(h, WP_SHM_TB_SLOT_LEN);
  if (*len > wp_shm_field(d, WP_SHM_DESC_SLOT_SIZE)) return 0;
  return h + WP_SHM_TB_SLOT_HEADER;
}

/* ---- rings (SPSC and MPSC), fixed-size entries of SLOT_SIZE bytes ---- */

static inline uint8_t *wp_ring_entry(uint8_t *d, uint32_t pos) {
  uint32_t slots = wp_shm_field(d, WP_SHM_DESC_SLOTS);
  uint8_t *p = wp_shm_payload(d) + (pos & (slots - 1)) * wp_shm_field(d, WP_SHM_DESC_STRIDE);
  return p;
}
static inline int wp_ring_is_mpsc(uint8_t *d) {
  return wp_shm_field(d, WP_SHM_DESC_KIND) == WP_SHM_KIND_MPSC_RING;
}

/* wp_ring_try_push copies up to n entries from src; returns how many. */
static inline uint32_t wp_ring_try_push(uint8_t *d, const void *src, uint32_t n) {
  uint32_t es = wp_shm_field(d, WP_SHM_DESC_SLOT_SIZE), slots = wp_shm_field(d, WP_SHM_DESC_SLOTS);
  uint32_t *tail = wp_shm_w32(d, WP_SHM_RING_TAIL);
  const uint8_t *in = (const uint8_t *)src;
  uint32_t done = 0;
  if (!n) return 0;
  if (!wp_ring_is_mpsc(d)) {
    uint32_t t = wp_shm_ld(tail), used = t - wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_HEAD));
    if (used > slots) return 0;
    done = n < slots - used ? n : slots - used;
    for (uint32_t i = 0; i < done; i++) __builtin_memcpy(wp_ring_entry(d, t + i), in + i * es, es);
    if (done) wp_shm_st(tail, t + done);
    if (done && wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_WAIT_DATA))) wp_shm_notify(tail, 1);
    return done;
  }
  while (done < n) {
    uint32_t pos = wp_shm_ld(tail), k = n - done < slots ? n - done : slots;
    if (wp_shm_ld(wp_shm_w32(wp_ring_entry(d, pos + k - 1), WP_SHM_MPSC_SLOT_SEQ)) != pos + k - 1) {
      int32_t diff = (int32_t)(wp_shm_ld(wp_shm_w32(wp_ring_entry(d, pos), WP_SHM_MPSC_SLOT_SEQ)) - pos);
      k = 1;
      if (diff < 0) break;
      if (diff > 0) continue;
    }
    if (!wp_shm_cas(tail, pos, pos + k)) continue;
    for (uint32_t i = 0; i < k; i++) {
      uint8_t *e = wp_ring_entry(d, pos + i);
      __builtin_memcpy(e + WP_SHM_MPSC_SLOT_HEADER, in + (done + i) * es, es);
      wp_shm_st(wp_shm_w32(e, WP_SHM_MPSC_SLOT_SEQ), pos + i + 1);
    }
    done += k;
  }
  if (done) {
    uint32_t *commits = wp_shm_w32(d, WP_SHM_RING_COMMITS);
    wp_shm_add(commits, 1);
    if (wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_WAIT_DATA))) wp_shm_notify(commits, 1);
  }
  return done;
}

static inline int wp_ring_full(uint8_t *d, uint32_t *head_seen) {
  uint32_t slots = wp_shm_field(d, WP_SHM_DESC_SLOTS);
  uint32_t h = wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_HEAD));
  uint32_t t = wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_TAIL));
  *head_seen = h;
  if (wp_ring_is_mpsc(d))
    return (int32_t)(wp_shm_ld(wp_shm_w32(wp_ring_entry(d, t), WP_SHM_MPSC_SLOT_SEQ)) - t) < 0;
  return t - h >= slots;
}

/* wp_ring_push copies all n entries, waiting while full; returns how many
 * went in (< n only when a wait timed out). */
static inline uint32_t wp_ring_push(uint8_t *d, const void *src, uint32_t n, int64_t timeout_ns) {
  uint32_t es = wp_shm_field(d, WP_SHM_DESC_SLOT_SIZE), done = 0;
  uint32_t *ws = wp_shm_w32(d, WP_SHM_RING_WAIT_SPACE);
  while (done < n) {
    done += wp_ring_try_push(d, (const uint8_t *)src + done * es, n - done);
    if (done == n) break;
    uint32_t h;
    int r = 1;
    wp_shm_add(ws, 1);
    if (wp_ring_full(d, &h)) r = wp_shm_wait(wp_shm_w32(d, WP_SHM_RING_HEAD), h, timeout_ns);
    wp_shm_add(ws, (uint32_t)-1);
    if (r == 2) break;
  }
  return done;
}

/* wp_ring_try_pop copies up to max entries into dst; returns how many. */
static inline uint32_t wp_ring_try_pop(uint8_t *d, void *dst, uint32_t max) {
  uint32_t es = wp_shm_field(d, WP_SHM_DESC_SLOT_SIZE), slots = wp_shm_field(d, WP_SHM_DESC_SLOTS);
  uint32_t *head = wp_shm_w32(d, WP_SHM_RING_HEAD);
  uint8_t *out = (uint8_t *)dst;
  uint32_t h = wp_shm_ld(head), n = 0;
  if (wp_ring_is_mpsc(d)) {
    while (n < max) {
      uint8_t *e = wp_ring_entry(d, h + n);
      uint32_t *seq = wp_shm_w32(e, WP_SHM_MPSC_SLOT_SEQ);
      if (wp_shm_ld(seq) != h + n + 1) break;
      __builtin_memcpy(out + n * es, e + WP_SHM_MPSC_SLOT_HEADER, es);
      wp_shm_st(seq, h + n + slots);
      n++;
    }
  } else {
    uint32_t used = wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_TAIL)) - h;
    if (used > slots) return 0;
    n = max < used ? max : used;
    for (uint32_t i = 0; i < n; i++) __builtin_memcpy(out + i * es, wp_ring_entry(d, h + i), es);
  }
  if (!n) return 0;
  wp_shm_st(head, h + n);
  if (wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_WAIT_SPACE))) wp_shm_notify(head, 0xFFFFFFFFu);
  return n;
}

/* wp_ring_pop waits for at least one entry, then pops up to max; returns
 * 0 only when a wait timed out. */
static inline uint32_t wp_ring_pop(uint8_t *d, void *dst, uint32_t max, int64_t timeout_ns) {
  int mpsc = wp_ring_is_mpsc(d);
  uint32_t *data = wp_shm_w32(d, mpsc ? WP_SHM_RING_COMMITS : WP_SHM_RING_TAIL);
  uint32_t *wd = wp_shm_w32(d, WP_SHM_RING_WAIT_DATA);
  for (;;) {
    uint32_t n = wp_ring_try_pop(d, dst, max);
    if (n || !max) return n;
    wp_shm_add(wd, 1);
    uint32_t seen = wp_shm_ld(data), h = wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_HEAD));
    int empty = mpsc ? wp_shm_ld(wp_shm_w32(wp_ring_entry(d, h), WP_SHM_MPSC_SLOT_SEQ)) != h + 1
                     : wp_shm_ld(wp_shm_w32(d, WP_SHM_RING_TAIL)) == h;
    int r = empty ? wp_shm_wait(data, seen, timeout_ns) : 1;
    wp_shm_add(wd, (uint32_t)-1);
    if (r == 2) return 0;
  }
}

/* ---- RCU ---- */

typedef struct {
  const uint8_t *data;
  uint32_t len;
  uint32_t index;
  uint64_t version; /* 0: nothing published yet */
} wp_rcu_snap;

static inline uint8_t *wp_rcu_ver(uint8_t *d, uint32_t i) {
  return wp_shm_payload(d) + i * wp_shm_field(d, WP_SHM_DESC_STRIDE);
}
static inline void wp_rcu_release(uint8_t *d, uint32_t index) {
  uint32_t *rd = wp_shm_w32(wp_rcu_ver(d, index), WP_SHM_RCU_VER_READERS);
  if (wp_shm_add(rd, (uint32_t)-1) == 1 && wp_shm_ld(wp_shm_w32(d, WP_SHM_RCU_WAITING)))
    wp_shm_notify(rd, 0xFFFFFFFFu);
}
/* wp_rcu_read pins the current version; returns -1 on a corrupt state. */
static inline int wp_rcu_read(uint8_t *d, wp_rcu_snap *s) {
  uint32_t *cur = wp_shm_w32(d, WP_SHM_RCU_CURRENT);
  for (;;) {
    uint32_t c = wp_shm_ld(cur), i = c & 0xff;
    if (i >= wp_shm_field(d, WP_SHM_DESC_SLOTS)) return -1;
    uint8_t *v = wp_rcu_ver(d, i);
    wp_shm_add(wp_shm_w32(v, WP_SHM_RCU_VER_READERS), 1);
    if (wp_shm_ld(cur) != c) { wp_rcu_release(d, i); continue; }
    s->len = *wp_shm_w32(v, WP_SHM_RCU_VER_LEN);
    if (s->len > wp_shm_field(d, WP_SHM_DESC_SLOT_SIZE)) { wp_rcu_release(d, i); return -1; }
    s->data = v + WP_SHM_RCU_VER_HEADER;
    s->index = i;
    s->version = *wp_shm_w64(v, WP_SHM_RCU_VER_NUMBER);
    return 0;
  }
}
/* wp_rcu_begin takes the writer lock and a free version; returns its
 * index (write to wp_rcu_ver(d, i) + WP_SHM_RCU_VER_HEADER) or -1 when a
 * wait timed out. */
static inline int wp_rcu_begin(uint8_t *d, int64_t timeout_ns) {
  uint32_t *lock = wp_shm_w32(d, WP_SHM_RCU_WRITER_LOCK);
  uint32_t slots = wp_shm_field(d, WP_SHM_DESC_SLOTS);
  if (wp_mutex_lock_timeout(lock, timeout_ns)) return -1;
  for (;;) {
    uint32_t cur = wp_shm_ld(wp_shm_w32(d, WP_SHM_RCU_CURRENT)) & 0xff, best = 0, bn = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < slots; i++) {
      if (i == cur) continue;
      uint32_t n = wp_shm_ld(wp_shm_w32(wp_rcu_ver(d, i), WP_SHM_RCU_VER_READERS));
      if (n < bn) { best = i; bn = n; }
    }
    if (bn == 0) return (int)best;
    uint32_t *w = wp_shm_w32(d, WP_SHM_RCU_WAITING);
    wp_shm_add(w, 1);
    int r = wp_shm_wait(wp_shm_w32(wp_rcu_ver(d, best), WP_SHM_RCU_VER_READERS), bn, timeout_ns);
    wp_shm_add(w, (uint32_t)-1);
    if (r == 2) { wp_mutex_unlock(lock); return -1; }
  }
}
/* wp_rcu_commit publishes version index with n bytes; returns its number. */
static inline uint64_t wp_rcu_commit(uint8_t *d, uint32_t index, uint32_t n) {
  uint64_t *pv = wp_shm_w64(d, WP_SHM_RCU_VERSION);
  uint64_t v = __atomic_load_n(pv, WP_SHM_SC) + 1;
  uint8_t *h = wp_rcu_ver(d, index);
  *wp_shm_w64(h, WP_SHM_RCU_VER_NUMBER) = v;
  *wp_shm_w32(h, WP_SHM_RCU_VER_LEN) = n;
  uint32_t *cur = wp_shm_w32(d, WP_SHM_RCU_CURRENT);
  wp_shm_st(cur, index | ((wp_shm_ld(cur) >> 8) + 1) << 8);
  __atomic_store_n(pv, v, WP_SHM_SC);
  wp_mutex_unlock(wp_shm_w32(d, WP_SHM_RCU_WRITER_LOCK));
  return v;
}
static inline void wp_rcu_abort(uint8_t *d) { wp_mutex_unlock(wp_shm_w32(d, WP_SHM_RCU_WRITER_LOCK)); }

/* ---- slot tables and generational handles: gen<<32 | index ---- */

static inline uint32_t *wp_slots_gen(uint8_t *d, uint32_t i) {
  return wp_shm_w32(wp_shm_payload(d), 4 * i);
}
static inline uint8_t *wp_slots_data(uint8_t *d, uint32_t i) {
  uint32_t table = (4 * wp_shm_field(d, WP_SHM_DESC_SLOTS) + 63) & ~63u;
  return wp_shm_payload(d) + table + i * wp_shm_field(d, WP_SHM_DESC_STRIDE);
}
/* wp_slots_get returns the slot of handle h, or 0 if h is stale. */
static inline uint8_t *wp_slots_get(uint8_t *d, uint64_t h) {
  uint32_t i = (uint32_t)h, g = (uint32_t)(h >> 32);
  if (i >= wp_shm_field(d, WP_SHM_DESC_SLOTS) || !(g & 1)) return 0;
  if (wp_shm_ld(wp_slots_gen(d, i)) != g) return 0;
  return wp_slots_data(d, i);
}
/* wp_slots_alloc takes a free slot; returns its handle, 0 if none. */
static inline uint64_t wp_slots_alloc(uint8_t *d) {
  uint32_t n = wp_shm_field(d, WP_SHM_DESC_SLOTS);
  uint32_t *hint = wp_shm_w32(d, WP_SHM_SLOTS_HINT);
  uint32_t start = wp_shm_ld(hint) % n;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t i = (start + k) % n, g = wp_shm_ld(wp_slots_gen(d, i));
    if (!(g & 1) && g != WP_SHM_SLOT_RETIRED && wp_shm_cas(wp_slots_gen(d, i), g, g + 1)) {
      wp_shm_st(hint, i + 1);
      wp_shm_add(wp_shm_w32(d, WP_SHM_SLOTS_LIVE), 1);
      return (uint64_t)(g + 1) << 32 | i;
    }
  }
  return 0;
}
/* wp_slots_free frees h's slot; returns 0, or -1 if h is stale. */
static inline int wp_slots_free(uint8_t *d, uint64_t h) {
  uint32_t i = (uint32_t)h, g = (uint32_t)(h >> 32);
  if (i >= wp_shm_field(d, WP_SHM_DESC_SLOTS) || !(g & 1)) return -1;
  uint32_t next = g + 1 == 0 ? WP_SHM_SLOT_RETIRED : g + 1;
  if (!wp_shm_cas(wp_slots_gen(d, i), g, next)) return -1;
  wp_shm_add(wp_shm_w32(d, WP_SHM_SLOTS_LIVE), (uint32_t)-1);
  return 0;
}

#endif /* WASMPLANE_SHM_H */

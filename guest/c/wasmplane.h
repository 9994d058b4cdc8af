/*
 * wasmplane.h - the C SDK for wasmplane guests (guest ABI v1, docs/abi.md).
 *
 * One header, no libc. It declares the host imports (module "wasmplane"),
 * defines the required exports (wasmplane_abi_version, wasmplane_alloc,
 * wasmplane_receive) and the lifecycle hooks you opt into, and offers small
 * wrappers and helpers.
 *
 * # Building a guest
 *
 *   clang --target=wasm32 -nostdlib -O2 -mbulk-memory -Wall -Wextra -Iguest/c \
 *     -c -o guest.o guest.c
 *   wasm-ld -m wasm32 --no-entry --stack-first -z stack-size=65536 \
 *     -o guest.wasm guest.o
 *
 * (Linking through clang works too, but clang then runs binaryen's
 * wasm-opt when one is on PATH, so the output depends on the machine.)
 *
 * The exports are marked with __attribute__((export_name(...))), so wasm-ld
 * needs neither --export-dynamic nor --export flags, and only the ABI
 * exports (plus "memory") appear. --stack-first puts the 64 KiB stack below
 * static data, so a stack overflow traps instead of corrupting it.
 *
 * # memcpy and memset
 *
 * Under -nostdlib there is no libc, yet clang turns struct copies and
 * copy/fill loops into calls to memcpy/memset. This header requires
 * -mbulk-memory (it stops with #error otherwise): with it, LLVM lowers every
 * such call to the memory.copy / memory.fill instructions, so the build
 * never needs a memcpy symbol. If something still references one, wasm-ld
 * fails with "undefined symbol: memcpy" rather than producing a bad module.
 * wazero and every current engine support bulk memory.
 *
 * # Ownership
 *
 *  - A wp_msg and the kind and data it points to are valid only until
 *    wp_on_message returns: they live in the buffer the host owns (the one
 *    wasmplane_alloc returned). Copy what you keep; never write to them.
 *  - Buffers you pass to wp_send, wp_request, wp_call, wp_reply, wp_publish,
 *    wp_log stay yours: the host copies them during the call and keeps no
 *    pointer.
 *  - The (ptr, len) arguments of an exported typed operation ("iface.op",
 *    docs/boundary.md) live in the same host-owned buffer as a message:
 *    valid until the export returns.
 *  - wp_scratch(n) returns memory that is yours until the next wp_scratch.
 *  - Strings are bytes plus a length, not NUL-terminated. Wrappers that take
 *    a kind, topic or name as `const char *` want a C string; the _n forms
 *    take explicit lengths (e.g. for a topic read from a message).
 *
 * # Hooks
 *
 * Define any of WP_HOOK_PRE_START, WP_HOOK_POST_START, WP_HOOK_PRE_STOP,
 * WP_HOOK_POST_STOP before including this header and define the matching
 * `int wp_pre_start(void)` etc. Hooks you do not opt into are not exported.
 * A non-zero return fails the start or stop.
 *
 * # Several .c files
 *
 * The exports are defined in the file that includes this header; in every
 * other .c file of the same guest, #define WASMPLANE_NO_EXPORTS first. The
 * wrappers and helpers are static inline and fine everywhere.
 *
 * # Example
 *
 *   #define WP_HOOK_POST_START
 *   #include "wasmplane.h"
 *
 *   int wp_post_start(void) { return wp_logs(WP_LOG_INFO, "hello"); }
 *
 *   int wp_on_message(const wp_msg *m) {
 *     if (wp_kind_is(m, "ping") && (m->flags & WP_FLAG_REQUEST))
 *       return wp_reply(m, "pong", 4);
 *     if (wp_kind_is(m, "greet")) {
 *       wp_pid p;
 *       if (wp_lookup("printer", &p) == WP_OK)
 *         return wp_send(p, "text", m->data, m->data_len);
 *     }
 *     return 0;
 *   }
 */
#ifndef WASMPLANE_H
#define WASMPLANE_H

#if !defined(__wasm32__)
#error "wasmplane.h: build with --target=wasm32"
#endif
#if !defined(__wasm_bulk_memory__)
#error "wasmplane.h: build with -mbulk-memory (see the memcpy note at the top)"
#endif

#include <stddef.h>
#include <stdint.h>

/* ABI version this header implements. */
#define WP_ABI_VERSION 1

/* Status codes returned by the host (and by the wrappers). */
#define WP_OK 0
#define WP_ERR_BAD_POINTER (-1)
#define WP_ERR_INVALID_ARGUMENT (-2)
#define WP_ERR_NOT_FOUND (-3)
#define WP_ERR_DEAD_PID (-4)
#define WP_ERR_MAILBOX_FULL (-5)
#define WP_ERR_TIMEOUT (-6)
#define WP_ERR_TOO_LARGE (-7)
#define WP_ERR_BUFFER_TOO_SMALL (-8)
#define WP_ERR_STOPPING (-9)
#define WP_ERR_REMOTE (-10)
#define WP_ERR_DEADLOCK (-11)
#define WP_ERR_TYPE (-12)       /* a typed call's args or results mismatch */
#define WP_ERR_CONTENTION (-13) /* the callee's yield token was not free */

/* Message flags (wp_msg.flags). */
#define WP_FLAG_REQUEST 1u   /* expects a reply: use wp_reply */
#define WP_FLAG_PUBLISHED 2u /* kind is the topic it was published on */

/* Log levels for wp_log. */
#define WP_LOG_DEBUG 0
#define WP_LOG_INFO 1
#define WP_LOG_WARN 2
#define WP_LOG_ERROR 3

/* A process id; 0 is never valid. */
typedef uint64_t wp_pid;

/* An inbound message; see "Ownership" above for how long it is valid. */
typedef struct {
  wp_pid sender;  /* 0 when the host sent it */
  uint64_t corr;  /* non-zero exactly for requests */
  uint32_t flags; /* WP_FLAG_* */
  const char *kind;
  uint32_t kind_len;
  const uint8_t *data;
  uint32_t data_len;
} wp_msg;

/* The guest's message handler (required). Non-zero is a handler error. */
int wp_on_message(const wp_msg *m);

/* ---- Host imports, exactly as in docs/abi.md ---------------------------- */

#define WP__IMPORT(name) \
  __attribute__((import_module("wasmplane"), import_name(name)))

WP__IMPORT("send")
int32_t wp_host_send(uint64_t to, const void *kind_ptr, uint32_t kind_len,
                     const void *data_ptr, uint32_t data_len);
WP__IMPORT("request")
int32_t wp_host_request(uint64_t to, const void *kind_ptr, uint32_t kind_len,
                        const void *data_ptr, uint32_t data_len,
                        int32_t timeout_ms, void *out_ptr, uint32_t out_cap,
                        uint32_t *out_len_ptr);
WP__IMPORT("reply_take")
int32_t wp_host_reply_take(void *out_ptr, uint32_t out_cap,
                           uint32_t *out_len_ptr);
WP__IMPORT("reply")
int32_t wp_host_reply(uint64_t corr, const void *data_ptr, uint32_t data_len);
WP__IMPORT("publish")
int32_t wp_host_publish(const void *topic_ptr, uint32_t topic_len,
                        const void *data_ptr, uint32_t data_len);
WP__IMPORT("subscribe")
int32_t wp_host_subscribe(const void *topic_ptr, uint32_t topic_len);
WP__IMPORT("unsubscribe")
int32_t wp_host_unsubscribe(const void *topic_ptr, uint32_t topic_len);
WP__IMPORT("log")
int32_t wp_host_log(int32_t level, const void *msg_ptr, uint32_t msg_len);
WP__IMPORT("self")
uint64_t wp_host_self(void);
WP__IMPORT("lookup")
int32_t wp_host_lookup(const void *name_ptr, uint32_t name_len,
                       uint64_t *out_pid_ptr);
WP__IMPORT("now")
uint64_t wp_host_now(void);
WP__IMPORT("call")
int32_t wp_host_call(uint64_t to, const void *op_ptr, uint32_t op_len,
                     const void *args_ptr, uint32_t args_len,
                     int32_t timeout_ms, void *out_ptr, uint32_t out_cap,
                     uint32_t *out_len_ptr);
WP__IMPORT("progress")
int32_t wp_host_progress(void);

/* ---- Helpers (no libc) -------------------------------------------------- */

/* Lowered to memory.copy / memory.fill by -mbulk-memory. */
static inline void *wp_memcpy(void *dst, const void *src, size_t n) {
  return __builtin_memcpy(dst, src, n);
}
static inline void *wp_memset(void *dst, int c, size_t n) {
  return __builtin_memset(dst, c, n);
}
static inline int wp_memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}
static inline size_t wp_strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

/* Longest output of wp_fmt_u64 / wp_fmt_i64 ("-9223372036854775808"). */
#define WP_FMT_MAX 20

/* Writes v in decimal to out (at least WP_FMT_MAX bytes, no NUL) and
 * returns the number of bytes written. */
static inline uint32_t wp_fmt_u64(uint64_t v, char *out) {
  char tmp[WP_FMT_MAX];
  uint32_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (uint32_t i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  return n;
}
static inline uint32_t wp_fmt_i64(int64_t v, char *out) {
  if (v >= 0)
    return wp_fmt_u64((uint64_t)v, out);
  out[0] = '-';
  /* 0 - (uint64_t)v is |v| even for INT64_MIN. */
  return 1 + wp_fmt_u64(0 - (uint64_t)v, out + 1);
}

/* True if the message kind equals the C string kind. */
static inline int wp_kind_is(const wp_msg *m, const char *kind) {
  size_t n = wp_strlen(kind);
  return m->kind_len == n && wp_memcmp(m->kind, kind, n) == 0;
}

/* A bounded byte builder over caller memory. Appends that do not fit are
 * truncated and set overflow; it never writes past cap. */
typedef struct {
  uint8_t *p;
  uint32_t len, cap;
  int overflow;
} wp_buf;

static inline wp_buf wp_buf_make(void *p, uint32_t cap) {
  wp_buf b = {(uint8_t *)p, 0, cap, 0};
  return b;
}
static inline void wp_buf_put(wp_buf *b, const void *data, uint32_t n) {
  uint32_t room = b->cap - b->len;
  if (n > room) {
    n = room;
    b->overflow = 1;
  }
  wp_memcpy(b->p + b->len, data, n);
  b->len += n;
}
static inline void wp_buf_puts(wp_buf *b, const char *s) {
  wp_buf_put(b, s, (uint32_t)wp_strlen(s));
}
static inline void wp_buf_putu(wp_buf *b, uint64_t v) {
  char tmp[WP_FMT_MAX];
  wp_buf_put(b, tmp, wp_fmt_u64(v, tmp));
}
static inline void wp_buf_puti(wp_buf *b, int64_t v) {
  char tmp[WP_FMT_MAX];
  wp_buf_put(b, tmp, wp_fmt_i64(v, tmp));
}

/* ---- Wrappers ----------------------------------------------------------- */

static inline int wp_send_n(wp_pid to, const char *kind, uint32_t kind_len,
                            const void *data, uint32_t len) {
  return wp_host_send(to, kind, kind_len, data, len);
}
static inline int wp_send(wp_pid to, const char *kind, const void *data,
                          uint32_t len) {
  return wp_send_n(to, kind, (uint32_t)wp_strlen(kind), data, len);
}
/* Sends a C string as data (without its NUL). */
static inline int wp_send_str(wp_pid to, const char *kind, const char *s) {
  return wp_send(to, kind, s, (uint32_t)wp_strlen(s));
}

/* Sends a request and waits up to timeout_ms (<= 0: system default) for
 * the reply, copied into out. *out_len gets the reply's length; if it is
 * over cap, nothing is copied, WP_ERR_BUFFER_TOO_SMALL is returned and the
 * reply is held for wp_reply_take. */
static inline int wp_request_n(wp_pid to, const char *kind, uint32_t kind_len,
                               const void *data, uint32_t len,
                               int32_t timeout_ms, void *out, uint32_t cap,
                               uint32_t *out_len) {
  return wp_host_request(to, kind, kind_len, data, len, timeout_ms, out, cap,
                         out_len);
}
static inline int wp_request(wp_pid to, const char *kind, const void *data,
                             uint32_t len, int32_t timeout_ms, void *out,
                             uint32_t cap, uint32_t *out_len) {
  return wp_request_n(to, kind, (uint32_t)wp_strlen(kind), data, len,
                      timeout_ms, out, cap, out_len);
}
/* Copies the reply held after WP_ERR_BUFFER_TOO_SMALL and releases it. */
static inline int wp_reply_take(void *out, uint32_t cap, uint32_t *out_len) {
  return wp_host_reply_take(out, cap, out_len);
}

/* Answers the request m (m->flags & WP_FLAG_REQUEST). */
static inline int wp_reply(const wp_msg *m, const void *data, uint32_t len) {
  return wp_host_reply(m->corr, data, len);
}
static inline int wp_reply_str(const wp_msg *m, const char *s) {
  return wp_reply(m, s, (uint32_t)wp_strlen(s));
}

static inline int wp_publish_n(const char *topic, uint32_t topic_len,
                               const void *data, uint32_t len) {
  return wp_host_publish(topic, topic_len, data, len);
}
static inline int wp_publish(const char *topic, const void *data,
                             uint32_t len) {
  return wp_publish_n(topic, (uint32_t)wp_strlen(topic), data, len);
}

static inline int wp_subscribe_n(const char *topic, uint32_t topic_len) {
  return wp_host_subscribe(topic, topic_len);
}
static inline int wp_subscribe(const char *topic) {
  return wp_subscribe_n(topic, (uint32_t)wp_strlen(topic));
}
static inline int wp_unsubscribe_n(const char *topic, uint32_t topic_len) {
  return wp_host_unsubscribe(topic, topic_len);
}
static inline int wp_unsubscribe(const char *topic) {
  return wp_unsubscribe_n(topic, (uint32_t)wp_strlen(topic));
}

static inline int wp_log(int level, const char *s, uint32_t len) {
  return wp_host_log(level, s, len);
}
static inline int wp_logs(int level, const char *s) {
  return wp_log(level, s, (uint32_t)wp_strlen(s));
}

static inline wp_pid wp_self(void) { return wp_host_self(); }

/* Resolves a registered name into *pid. */
static inline int wp_lookup_n(const char *name, uint32_t name_len,
                              wp_pid *pid) {
  return wp_host_lookup(name, name_len, pid);
}
static inline int wp_lookup(const char *name, wp_pid *pid) {
  return wp_lookup_n(name, (uint32_t)wp_strlen(name), pid);
}

/* Monotonic nanoseconds since the system started. */
static inline uint64_t wp_now(void) { return wp_host_now(); }

/* Makes a typed call of the operation op ("iface.op") on to and waits up
 * to timeout_ms (<= 0: system default). args and the result in out are
 * the canonical encoding of the operation's parameters and results
 * (docs/boundary.md). Otherwise as wp_request: *out_len gets the result's
 * length, and a result over cap is held for wp_reply_take
 * (WP_ERR_BUFFER_TOO_SMALL). WP_ERR_TYPE: args do not match the
 * operation's parameters (the callee did not run) or its results;
 * WP_ERR_NOT_FOUND: no such operation; WP_ERR_CONTENTION: the callee was
 * busy for too long. */
static inline int wp_call_n(wp_pid to, const char *op, uint32_t op_len,
                            const void *args, uint32_t len, int32_t timeout_ms,
                            void *out, uint32_t cap, uint32_t *out_len) {
  return wp_host_call(to, op, op_len, args, len, timeout_ms, out, cap,
                      out_len);
}
static inline int wp_call(wp_pid to, const char *op, const void *args,
                          uint32_t len, int32_t timeout_ms, void *out,
                          uint32_t cap, uint32_t *out_len) {
  return wp_call_n(to, op, (uint32_t)wp_strlen(op), args, len, timeout_ms,
                   out, cap, out_len);
}

/* Batch yield: while serving a typed call, tells callers waiting for this
 * component that it is making progress (docs/boundary.md). */
static inline int wp_progress(void) { return wp_host_progress(); }

/* The result of an exported operation whose results are not all scalars:
 * ptr<<32 | len of their canonical encoding, which must stay valid until
 * the next call into the guest (docs/boundary.md). */
static inline uint64_t wp_pack(const void *p, uint32_t len) {
  return (uint64_t)(uintptr_t)p << 32 | len;
}

/* ---- Memory regions ----------------------------------------------------- */

/* A region that only grows. When it must grow it moves to fresh pages from
 * memory.grow and the old pages are left alone, so a pointer it returned
 * stays valid (and untouched by the SDK) forever; with doubling, the pages
 * left behind total less than the region's final size. */
typedef struct {
  uint8_t *p;
  uint32_t cap;
} wp__region;

static inline void *wp__region_get(wp__region *r, uint32_t size) {
  if (r->p && size <= r->cap)
    return r->p;
  uint64_t want = (uint64_t)r->cap * 2;
  if (want < size)
    want = size;
  if (want < 65536)
    want = 65536;
  uint64_t pages = (want + 65535) >> 16;
  if (pages > 65536)
    return 0;
  size_t old = __builtin_wasm_memory_grow(0, (size_t)pages);
  if (old == (size_t)-1)
    return 0;
  r->p = (uint8_t *)(old << 16);
  r->cap = pages >= 65536 ? 0xFFFFFFFFu : (uint32_t)(pages << 16);
  return r->p;
}

/* At least size bytes that are yours until the next wp_scratch call, or 0
 * if memory cannot grow. For data too big for a static buffer. */
void *wp_scratch(uint32_t size);

/* ---- Exports ------------------------------------------------------------ */

#ifndef WASMPLANE_NO_EXPORTS

#define WP__EXPORT(name) __attribute__((export_name(name)))

/* Inbound buffer: static until a message does not fit. */
#ifndef WP_INBOX_SIZE
#define WP_INBOX_SIZE 4096
#endif
static uint8_t wp__inbox[WP_INBOX_SIZE];
static wp__region wp__in = {wp__inbox, WP_INBOX_SIZE};
static wp__region wp__scratch;

void *wp_scratch(uint32_t size) { return wp__region_get(&wp__scratch, size); }

WP__EXPORT("wasmplane_abi_version")
int32_t wasmplane_abi_version(void) { return WP_ABI_VERSION; }

/* The host owns the returned region until the next call. Because regions
 * never move or shrink, that holds trivially. */
WP__EXPORT("wasmplane_alloc")
void *wasmplane_alloc(uint32_t size) { return wp__region_get(&wp__in, size); }

WP__EXPORT("wasmplane_receive")
int32_t wasmplane_receive(uint64_t sender, uint64_t corr, uint32_t flags,
                          const char *kind, uint32_t kind_len,
                          const uint8_t *data, uint32_t data_len) {
  wp_msg m = {sender, corr, flags, kind, kind_len, data, data_len};
  return wp_on_message(&m);
}

#ifdef WP_HOOK_PRE_START
int wp_pre_start(void);
WP__EXPORT("wasmplane_pre_start")
int32_t wasmplane_pre_start(void) { return wp_pre_start(); }
#endif
#ifdef WP_HOOK_POST_START
int wp_post_start(void);
WP__EXPORT("wasmplane_post_start")
int32_t wasmplane_post_start(void) { return wp_post_start(); }
#endif
#ifdef WP_HOOK_PRE_STOP
int wp_pre_stop(void);
WP__EXPORT("wasmplane_pre_stop")
int32_t wasmplane_pre_stop(void) { return wp_pre_stop(); }
#endif
#ifdef WP_HOOK_POST_STOP
int wp_post_stop(void);
WP__EXPORT("wasmplane_post_stop")
int32_t wasmplane_post_stop(void) { return wp_post_stop(); }
#endif

#endif /* WASMPLANE_NO_EXPORTS */

#endif /* WASMPLANE_H */

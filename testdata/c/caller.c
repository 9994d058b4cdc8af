/*
 * caller.c - a C guest that makes typed calls through the ABI (wp_call),
 * for Wasm->Go and Wasm->Wasm tests, and serves two operations of its own.
 * Rebuild with `make wasm`.
 *
 * Messages (request: the answer is the reply; one-way from a component:
 * sent back to the sender with kind "result"; from the host: dropped):
 *
 *   call      data: to u64 | timeout_ms i32 | out_cap u32 | op_len u32 |
 *             op | args (the canonical encoding of the op's parameters),
 *             all little-endian. Calls op on to with args, the result
 *             buffer limited to out_cap bytes (at most 65528).
 *             Answer: status i32 | take i32 | result. status is what
 *             wp_call returned; if it was WP_ERR_BUFFER_TOO_SMALL, take is
 *             the status of the wp_reply_take that fetched the held result
 *             (0 otherwise). result is the result bytes (empty unless
 *             status, or take, is WP_OK).
 *   progress  calls wp_progress; answer: status i32.
 *   other     handler error 1.
 *
 * Operations (interface "caller"):
 *
 *   caller.echo(s: string) -> (s: string)
 *   caller.progress(n: i32) -> (status: i32): wp_progress n times, returns
 *             the first non-OK status, or OK.
 */
#include "wasmplane.h"

static uint8_t answer[65536];

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static int respond(const wp_msg *m, const void *data, uint32_t len) {
  if (m->flags & WP_FLAG_REQUEST)
    return wp_reply(m, data, len);
  if (m->sender)
    return wp_send(m->sender, "result", data, len);
  return WP_OK;
}

static int do_call(const wp_msg *m) {
  const uint8_t *d = m->data;
  if (m->data_len < 20)
    return WP_ERR_INVALID_ARGUMENT;
  wp_pid to = (uint64_t)get_u32(d) | (uint64_t)get_u32(d + 4) << 32;
  int32_t timeout_ms = (int32_t)get_u32(d + 8);
  uint32_t cap = get_u32(d + 12), op_len = get_u32(d + 16);
  if (op_len > m->data_len - 20)
    return WP_ERR_INVALID_ARGUMENT;
  if (cap > sizeof answer - 8)
    cap = sizeof answer - 8;
  const char *op = (const char *)d + 20;
  const uint8_t *args = d + 20 + op_len;
  uint32_t args_len = m->data_len - 20 - op_len;

  uint32_t n = 0;
  int st = wp_call_n(to, op, op_len, args, args_len, timeout_ms, answer + 8,
                     cap, &n);
  int take = WP_OK;
  uint8_t *out = answer;
  if (st == WP_ERR_BUFFER_TOO_SMALL) {
    out = n <= 0xFFFFFFFFu - 8 ? wp_scratch(8 + n) : 0;
    if (!out)
      return WP_ERR_TOO_LARGE;
    take = wp_reply_take(out + 8, n, &n);
    if (take != WP_OK)
      n = 0;
  } else if (st != WP_OK) {
    n = 0;
  }
  put_u32(out, (uint32_t)st);
  put_u32(out + 4, (uint32_t)take);
  return respond(m, out, 8 + n);
}

int wp_on_message(const wp_msg *m) {
  if (wp_kind_is(m, "call"))
    return do_call(m);
  if (wp_kind_is(m, "progress")) {
    uint8_t st[4];
    put_u32(st, (uint32_t)wp_progress());
    return respond(m, st, 4);
  }
  return 1;
}

/* The canonical encoding of a string is its u32 length, then its bytes. */
__attribute__((export_name("caller.echo"))) uint64_t
caller_echo(const uint8_t *s, uint32_t len) {
  uint8_t *out = len <= sizeof answer - 4 ? answer : wp_scratch(4 + len);
  if (!out)
    __builtin_trap();
  put_u32(out, len);
  wp_memcpy(out + 4, s, len);
  return wp_pack(out, 4 + len);
}

__attribute__((export_name("caller.progress"))) int32_t
caller_progress(int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    int st = wp_progress();
    if (st != WP_OK)
      return st;
  }
  return WP_OK;
}

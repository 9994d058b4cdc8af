/*
 * participant.c - the C side (tag "c") of the cross-language test.
 * A Go guest and a Go component implement the same behaviour; the
 * integration test drives all three. Rebuild with `make wasm`.
 *
 *   echo (request)       reply "c:" + data
 *   relay "<name>|<p>"   send <name> kind "relayed" data "c:" + p
 *   ask "<name>|<p>"     request <name> "echo" p (2000 ms), publish the reply
 *                        on "answers"; on error publish "c:error:<status>"
 *   subscribe <topic>    subscribe to topic
 *   (published) <topic>  send "collector" kind "seen" "c:<topic>:" + data
 *   trap                 trap
 *   fail                 return 1 (handler error)
 *   other                log warn "c:unknown kind <kind>"
 *
 * Failures the spec leaves open (bad "<name>|<p>", lookup or send errors)
 * are logged at warn and returned as the status, i.e. a handler error.
 */
#define WP_HOOK_PRE_START
#define WP_HOOK_POST_START
#define WP_HOOK_PRE_STOP
#define WP_HOOK_POST_STOP
#include "wasmplane.h"

int wp_pre_start(void) {
  wp_logs(WP_LOG_INFO, "c:pre_start");
  return 0;
}
int wp_post_start(void) {
  wp_logs(WP_LOG_INFO, "c:post_start");
  return 0;
}
int wp_pre_stop(void) {
  wp_logs(WP_LOG_INFO, "c:pre_stop");
  return 0;
}
int wp_post_stop(void) {
  wp_logs(WP_LOG_INFO, "c:post_stop");
  return 0;
}

/* Logs "<what> <status>" at warn and returns status (non-zero). */
static int fail(const char *what, int status) {
  char line[128];
  wp_buf b = wp_buf_make(line, sizeof line);
  wp_buf_puts(&b, what);
  wp_buf_puts(&b, " ");
  wp_buf_puti(&b, status);
  wp_log(WP_LOG_WARN, line, b.len);
  return status;
}

/* Returns prefix + data in scratch memory (0 if memory cannot grow). */
static uint8_t *prefixed(const char *prefix, const void *data, uint32_t len,
                         uint32_t *out_len) {
  uint32_t n = (uint32_t)wp_strlen(prefix);
  if (len > 0xFFFFFFFFu - n)
    return 0;
  uint8_t *p = wp_scratch(n + len);
  if (!p)
    return 0;
  wp_memcpy(p, prefix, n);
  wp_memcpy(p + n, data, len);
  *out_len = n + len;
  return p;
}

/* Splits "<name>|<payload>" at the first '|'. */
static int split(const wp_msg *m, uint32_t *name_len, const uint8_t **payload,
                 uint32_t *payload_len) {
  for (uint32_t i = 0; i < m->data_len; i++) {
    if (m->data[i] == '|') {
      *name_len = i;
      *payload = m->data + i + 1;
      *payload_len = m->data_len - i - 1;
      return 1;
    }
  }
  return 0;
}

static int on_published(const wp_msg *m) {
  wp_pid collector;
  int st = wp_lookup("collector", &collector);
  if (st != WP_OK)
    return fail("c:lookup collector", st);
  /* "c:" + topic + ":" + data */
  uint32_t n = 2 + m->kind_len + 1;
  if (m->data_len > 0xFFFFFFFFu - n)
    return fail("c:seen too large", WP_ERR_TOO_LARGE);
  uint8_t *p = wp_scratch(n + m->data_len);
  if (!p)
    return fail("c:out of memory", WP_ERR_TOO_LARGE);
  wp_buf b = wp_buf_make(p, n + m->data_len);
  wp_buf_puts(&b, "c:");
  wp_buf_put(&b, m->kind, m->kind_len);
  wp_buf_puts(&b, ":");
  wp_buf_put(&b, m->data, m->data_len);
  st = wp_send(collector, "seen", b.p, b.len);
  return st == WP_OK ? 0 : fail("c:send seen", st);
}

static int on_echo(const wp_msg *m) {
  if (!(m->flags & WP_FLAG_REQUEST))
    return 0; /* nobody to answer */
  uint32_t n;
  uint8_t *p = prefixed("c:", m->data, m->data_len, &n);
  if (!p)
    return fail("c:out of memory", WP_ERR_TOO_LARGE);
  int st = wp_reply(m, p, n);
  return st == WP_OK ? 0 : fail("c:reply", st);
}

static int on_relay(const wp_msg *m) {
  uint32_t name_len, payload_len;
  const uint8_t *payload;
  if (!split(m, &name_len, &payload, &payload_len))
    return fail("c:relay wants <name>|<payload>", WP_ERR_INVALID_ARGUMENT);
  wp_pid to;
  int st = wp_lookup_n((const char *)m->data, name_len, &to);
  if (st != WP_OK)
    return fail("c:relay lookup", st);
  uint32_t n;
  uint8_t *p = prefixed("c:", payload, payload_len, &n);
  if (!p)
    return fail("c:out of memory", WP_ERR_TOO_LARGE);
  st = wp_send(to, "relayed", p, n);
  return st == WP_OK ? 0 : fail("c:relay send", st);
}

static int publish_error(int status) {
  char text[32];
  wp_buf b = wp_buf_make(text, sizeof text);
  wp_buf_puts(&b, "c:error:");
  wp_buf_puti(&b, status);
  int st = wp_publish("answers", b.p, b.len);
  return st == WP_OK ? 0 : fail("c:publish answers", st);
}

static int on_ask(const wp_msg *m) {
  uint32_t name_len, payload_len;
  const uint8_t *payload;
  if (!split(m, &name_len, &payload, &payload_len))
    return fail("c:ask wants <name>|<payload>", WP_ERR_INVALID_ARGUMENT);
  wp_pid to;
  /* A failed lookup is answered like a failed request, so whoever waits on
   * "answers" sees it. */
  int st = wp_lookup_n((const char *)m->data, name_len, &to);
  if (st != WP_OK)
    return publish_error(st);
  static uint8_t local[4096];
  uint8_t *out = local;
  uint32_t out_len = 0;
  st = wp_request(to, "echo", payload, payload_len, 2000, local, sizeof local,
                  &out_len);
  if (st == WP_ERR_BUFFER_TOO_SMALL) {
    out = wp_scratch(out_len);
    st = out ? wp_reply_take(out, out_len, &out_len) : WP_ERR_TOO_LARGE;
  }
  if (st != WP_OK)
    return publish_error(st);
  st = wp_publish("answers", out, out_len);
  return st == WP_OK ? 0 : fail("c:publish answers", st);
}

int wp_on_message(const wp_msg *m) {
  if (m->flags & WP_FLAG_PUBLISHED)
    return on_published(m);
  if (wp_kind_is(m, "echo"))
    return on_echo(m);
  if (wp_kind_is(m, "relay"))
    return on_relay(m);
  if (wp_kind_is(m, "ask"))
    return on_ask(m);
  if (wp_kind_is(m, "subscribe")) {
    int st = wp_subscribe_n((const char *)m->data, m->data_len);
    return st == WP_OK ? 0 : fail("c:subscribe", st);
  }
  if (wp_kind_is(m, "trap"))
    __builtin_trap();
  if (wp_kind_is(m, "fail"))
    return 1;
  char line[64 + 1024];
  wp_buf b = wp_buf_make(line, sizeof line);
  wp_buf_puts(&b, "c:unknown kind ");
  wp_buf_put(&b, m->kind, m->kind_len);
  wp_log(WP_LOG_WARN, line, b.len);
  return 0;
}

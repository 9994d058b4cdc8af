/*
 * counter.c - the quickstart's word counter, a C guest.
 *
 *   word (one-way)   data is one word; count it (bytes past 64 are dropped)
 *   eof  (one-way)   send the report to "printer" as kind "report"
 *   top  (request)   reply with the report
 *
 * The report is "distinct <n> total <m>\n" and then the 10 most frequent
 * words, count descending and ties in byte order, as "<count> <word>\n".
 * Up to 4096 distinct words are kept; later new words are counted in an
 * "(other)" line, which ranks like a word. All state is static.
 *
 * Build: make wasm (or see the command in guest/c/wasmplane.h).
 */
#include "wasmplane.h"

#define MAX_WORD 64
#define MAX_WORDS 4096
#define SLOTS 8192 /* power of two, twice MAX_WORDS: probes stay short */
#define TOP 10
#define OTHER "(other)"

typedef struct {
  uint8_t word[MAX_WORD];
  uint32_t len;
  uint64_t count;
} entry;

static entry words[MAX_WORDS];
static uint32_t nwords;
static uint16_t slots[SLOTS]; /* 0 empty, else index into words + 1 */
static uint64_t other, total;

/* FNV-1a over the bytes: any byte value is fine. */
static uint32_t hash(const uint8_t *p, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static void count(const uint8_t *w, uint32_t n) {
  if (n > MAX_WORD)
    n = MAX_WORD;
  total++;
  uint32_t i = hash(w, n) & (SLOTS - 1);
  /* SLOTS > MAX_WORDS, so an empty slot is always reached. */
  for (; slots[i]; i = (i + 1) & (SLOTS - 1)) {
    entry *e = &words[slots[i] - 1];
    if (e->len == n && wp_memcmp(e->word, w, n) == 0) {
      e->count++;
      return;
    }
  }
  if (nwords == MAX_WORDS) {
    other++;
    return;
  }
  entry *e = &words[nwords++];
  wp_memcpy(e->word, w, n);
  e->len = n;
  e->count = 1;
  slots[i] = (uint16_t)nwords;
}

/* A ranked word; points into words[] or at OTHER. */
typedef struct {
  const uint8_t *word;
  uint32_t len;
  uint64_t count;
} ranked;

/* True if a ranks before b: more counts first, then byte order. */
static int before(const ranked *a, const ranked *b) {
  if (a->count != b->count)
    return a->count > b->count;
  uint32_t n = a->len < b->len ? a->len : b->len;
  int c = wp_memcmp(a->word, b->word, n);
  return c ? c < 0 : a->len < b->len;
}

/* Inserts r into the sorted top list of *n entries (at most TOP). */
static void offer(ranked *top, uint32_t *n, ranked r) {
  uint32_t i = *n < TOP ? (*n)++ : TOP;
  /* i is where r goes if it beats nobody; TOP means "not kept". */
  while (i > 0 && before(&r, &top[i - 1])) {
    if (i < TOP)
      top[i] = top[i - 1];
    i--;
  }
  if (i < TOP)
    top[i] = r;
}

/* Longest report: the first line plus TOP lines of count, space, word. */
static uint8_t report_buf[64 + TOP * (WP_FMT_MAX + 1 + MAX_WORD + 1)];

static wp_buf report(void) {
  ranked top[TOP];
  uint32_t n = 0;
  for (uint32_t i = 0; i < nwords; i++) {
    ranked r = {words[i].word, words[i].len, words[i].count};
    offer(top, &n, r);
  }
  if (other) {
    ranked r = {(const uint8_t *)OTHER, sizeof OTHER - 1, other};
    offer(top, &n, r);
  }
  wp_buf b = wp_buf_make(report_buf, sizeof report_buf);
  wp_buf_puts(&b, "distinct ");
  wp_buf_putu(&b, nwords);
  wp_buf_puts(&b, " total ");
  wp_buf_putu(&b, total);
  wp_buf_puts(&b, "\n");
  for (uint32_t i = 0; i < n; i++) {
    wp_buf_putu(&b, top[i].count);
    wp_buf_puts(&b, " ");
    wp_buf_put(&b, top[i].word, top[i].len);
    wp_buf_puts(&b, "\n");
  }
  return b;
}

static int error(const char *what, int status) {
  char line[96];
  wp_buf b = wp_buf_make(line, sizeof line);
  wp_buf_puts(&b, what);
  wp_buf_puti(&b, status);
  wp_log(WP_LOG_ERROR, line, b.len);
  return status;
}

int wp_on_message(const wp_msg *m) {
  if (wp_kind_is(m, "word")) {
    if (m->data_len > 0) /* an empty word is not a word */
      count(m->data, m->data_len);
    return 0;
  }
  if (wp_kind_is(m, "eof")) {
    wp_pid printer;
    int st = wp_lookup("printer", &printer);
    if (st != WP_OK) {
      error("counter: lookup printer: status ", st);
      return 0; /* logged; nothing else to do without a printer */
    }
    wp_buf b = report();
    st = wp_send(printer, "report", b.p, b.len);
    return st == WP_OK ? 0 : error("counter: send report: status ", st);
  }
  if (wp_kind_is(m, "top") && (m->flags & WP_FLAG_REQUEST)) {
    wp_buf b = report();
    int st = wp_reply(m, b.p, b.len);
    return st == WP_OK ? 0 : error("counter: reply: status ", st);
  }
  wp_logs(WP_LOG_WARN, "counter: unknown kind");
  return 0;
}

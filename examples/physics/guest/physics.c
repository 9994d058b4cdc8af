/*
 * physics.c - the physics example's guest: N bodies orbiting a centre,
 * integrated at the host's frame rate; each frame's positions go into a
 * triple buffer in the app's shared memory, which the host's renderer
 * reads in place.
 *
 *   init    (request)  data: u32 meta, u32 heap, u32 n. Bodies live in the
 *                      instance's heap partition (statics are shared by
 *                      every instance of a sharing guest; the heap is not).
 *   compute (request)  data: u64 token. One step; the frame is written
 *                      into the back slot of region "frames".
 *   commit  (request)  publish the back slot (wp_tb_publish).
 *
 * A frame: u64 token, u32 n, u32 checksum (FNV-1a over the positions),
 * then n × (x, y, z) float32.
 *
 * Build: make wasm (the shared-memory recipe is in docs/shm.md).
 */
#include "wasmplane.h"
#include "wasmplane_shm.h"

typedef struct {
  float x, y, z, vx, vy, vz;
} body;

static uint8_t *meta, *frames;
static body *bodies;
static uint32_t nbodies;

static uint32_t fnv(const uint8_t *p, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static float inv_sqrt(float x) {
  return 1.0f / __builtin_sqrtf(x);
}

static int init(const wp_msg *m) {
  if (m->data_len != 12) return 1;
  meta = wp_shm_ptr(le32(m->data));
  if (wp_shm_check(meta)) return 2;
  frames = wp_shm_find(meta, "frames");
  if (!frames) return 3;
  bodies = (body *)(void *)wp_shm_ptr(le32(m->data + 4));
  nbodies = le32(m->data + 8);
  if (16 + nbodies * 12 > wp_shm_field(frames, WP_SHM_DESC_SLOT_SIZE)) return 4;
  /* Bodies on circular orbits, spread by the golden angle (no libm:
   * the angle advances by a rotation). */
  const float cg = -0.7373688f, sg = 0.6754903f;
  float c = 1.0f, s = 0.0f;
  for (uint32_t i = 0; i < nbodies; i++) {
    float r = 1.0f + (float)(i % 97) / 32.0f, v = inv_sqrt(r);
    bodies[i] = (body){r * c, r * s, (float)(i % 7) * 0.01f, -v * s, v * c, 0};
    float c2 = c * cg - s * sg;
    s = s * cg + c * sg;
    c = c2;
  }
  return wp_reply(m, "", 0);
}

static int compute(const wp_msg *m) {
  if (!bodies || m->data_len != 8) return 1;
  const float dt = 1.0f / 120.0f;
  uint8_t *f = wp_tb_back(frames);
  float *pos = (float *)(void *)(f + 16);
  for (uint32_t i = 0; i < nbodies; i++) {
    body *b = &bodies[i];
    float r2 = b->x * b->x + b->y * b->y + b->z * b->z + 1e-3f;
    float k = -inv_sqrt(r2) / r2; /* gravity towards the centre, GM = 1 */
    b->vx += k * b->x * dt;
    b->vy += k * b->y * dt;
    b->vz += k * b->z * dt;
    b->x += b->vx * dt;
    b->y += b->vy * dt;
    b->z += b->vz * dt;
    pos[3 * i] = b->x;
    pos[3 * i + 1] = b->y;
    pos[3 * i + 2] = b->z;
  }
  wp_memcpy(f, m->data, 8);
  *(uint32_t *)(void *)(f + 8) = nbodies;
  *(uint32_t *)(void *)(f + 12) = fnv(f + 16, nbodies * 12);
  return wp_reply(m, "", 0);
}

static int commit(const wp_msg *m) {
  uint64_t gen = wp_tb_publish(frames, 16 + nbodies * 12);
  if (!gen) return 1;
  return wp_reply(m, &gen, 8);
}

int wp_on_message(const wp_msg *m) {
  if (wp_kind_is(m, "compute")) return compute(m);
  if (wp_kind_is(m, "commit")) return commit(m);
  if (wp_kind_is(m, "init")) return init(m);
  return 1;
}

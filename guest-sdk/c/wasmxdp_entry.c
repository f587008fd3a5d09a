/* The batch entry of a C guest, linked into every C handler by `wasmxdp build`:
 * the C twin of the entry the build generates for AssemblyScript (host/compile.ts).
 * The host fills descriptors 0..n-1; each packet gets one handle() call and
 * one verdict record, in order. wasmxdp build adds the wx_abi_version export
 * (a wasm global C cannot declare). */
#include "wasmxdp.h"

/* The one packet of the module, reset for every descriptor: nothing is allocated. */
static wx_packet current;

__attribute__((export_name("wx_batch"))) int32_t wx_batch(int32_t n) {
  uint32_t count = (uint32_t)n < WX_BATCH_CAPACITY ? (uint32_t)n : WX_BATCH_CAPACITY;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *d = (const uint8_t *)(uintptr_t)(WX_DESC_OFFSET + i * WX_DESC_SIZE);
    current.data = (uint8_t *)(uintptr_t)*(const uint32_t *)(d + WX_DESC_ADDR);
    current.len = *(const uint32_t *)(d + WX_DESC_LEN);
    current.port = *(const uint16_t *)(d + WX_DESC_PORT);
    current.queue = *(const uint16_t *)(d + WX_DESC_QUEUE);
    current.headroom = *(const uint16_t *)(d + WX_DESC_HEADROOM);
    current.tailroom = *(const uint16_t *)(d + WX_DESC_TAILROOM);
    current.parsed = 0;
    wx_verdict v = handle(&current);
    uint8_t *r = (uint8_t *)(uintptr_t)(WX_VERDICT_OFFSET + i * WX_VERDICT_SIZE);
    *(uint32_t *)(r + WX_VERDICT_WORD) = v;
    *(uint32_t *)(r + WX_VERDICT_ADDR) = (uint32_t)(uintptr_t)current.data;
    *(uint32_t *)(r + WX_VERDICT_LEN) = current.len;
    *(uint32_t *)(r + WX_VERDICT_RESERVED) = 0;
  }
  return n;
}

/* clang may turn loops into calls to these; there is no libc to provide them. */
void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d < s) while (n--) *d++ = *s++;
  else while (n--) d[n] = s[n];
  return dst;
}

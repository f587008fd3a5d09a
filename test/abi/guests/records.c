/* Test guest for the record vectors (test/abi/vectors.json), the C twin of
 * records.ts: reports what the C SDK read from the header and from each
 * descriptor in guest counters (packet i uses counters 16*i .. 16*i+9), then
 * answers as the first 12 bytes of the packet ask: {u32 verdict word, i32 head
 * delta, i32 tail delta}. */
#include "wasmxdp.h"

static uint32_t index;
static uint64_t last_now;

static void report(uint32_t slot, uint64_t v) { wx_counter_add(index * 16 + slot, v); }
static uint32_t header_u32(uint32_t at) { return *(volatile const uint32_t *)(uintptr_t)at; }

wx_verdict handle(wx_packet *pkt) {
  if (wx_now() != last_now) { last_now = wx_now(); index = 0; }
  report(0, (uint32_t)(uintptr_t)pkt->data);
  report(1, pkt->len);
  report(2, pkt->port);
  report(3, pkt->queue);
  report(4, pkt->headroom);
  report(5, pkt->tailroom);
  report(6, header_u32(WX_H_FRAME_SIZE));
  report(7, header_u32(WX_H_PORT_COUNT));
  report(8, header_u32(WX_H_BATCH_N));
  report(9, wx_now());
  const uint32_t *ask = (const uint32_t *)pkt->data;
  uint32_t word = ask[0];
  int32_t head = (int32_t)ask[1], tail = (int32_t)ask[2];
  wx_adjust_head(pkt, head);
  wx_adjust_tail(pkt, tail);
  index++;
  return word;
}

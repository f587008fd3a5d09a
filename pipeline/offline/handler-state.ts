// What a handler left behind after an offline run: the control-block counters
// it bumped (counterAdd) and the maps it declared, with the non-zero entries
// of its counters maps. Read from the sandbox memory (the guest's own
// figures: untrusted, shown as the guest wrote them).

import { COUNTERS_COUNT } from '../../host/abi.js';
import { MapsRegion } from '../../host/maps/region.js';
import type { Sandbox } from '../../host/sandbox.js';
import { applyMapOp, type MapEntry, type MapSummary } from '../../host/maps/map-ops.js';

/** Non-zero entries of a counters map kept in the report (--json) ... */
export const KEPT_COUNTER_ENTRIES = 1024;
/** ... and shown in the text summary. */
export const SHOWN_COUNTER_ENTRIES = 16;

export interface HandlerMap extends MapSummary {
  /** Counters maps: the non-zero entries (index and total), the first KEPT_COUNTER_ENTRIES. */
  counters?: { index: number; total: string }[];
  /** More non-zero entries than kept. */
  more?: boolean;
}

export interface HandlerState {
  /** Non-zero control-block counters, by index. */
  counters: { index: number; value: number }[];
  maps: HandlerMap[];
}

export function handlerState(sandbox: Sandbox): HandlerState {
  const counters: HandlerState['counters'] = [];
  for (let i = 0; i < COUNTERS_COUNT; i++) {
    const value = sandbox.counter(i);
    if (value !== 0) counters.push({ index: i, value });
  }
  const region = MapsRegion.of(sandbox.memory);
  const maps = (applyMapOp(region, { type: 'map', id: 0, op: 'list' }) as MapSummary[]).map((m): HandlerMap => {
    if (m.kind !== 'counters') return m;
    const dump = applyMapOp(region, { type: 'map', id: 0, op: 'dump', map: m.name, limit: KEPT_COUNTER_ENTRIES }) as { entries: MapEntry[]; truncated: boolean };
    return {
      ...m,
      counters: dump.entries.map((e) => ({ index: Buffer.from(e.key, 'hex').readUInt32LE(0), total: e.total! })),
      more: dump.truncated,
    };
  });
  return { counters, maps };
}

/** The summary's lines for the handler's counters and maps (none when it has neither). */
export function formatHandlerState(s: HandlerState): string[] {
  const rows: string[] = [];
  if (s.counters.length) rows.push(`  counters: ${s.counters.map((c) => `#${c.index} ${c.value}`).join(', ')}`);
  if (s.maps.length) rows.push('  maps:');
  for (const m of s.maps) {
    const size = m.kind === 'hash' || m.kind === 'lru_hash' ? `${m.count} of ${m.maxEntries} entries` : `${m.maxEntries} entries`;
    let line = `    ${m.name.padEnd(16)} ${m.kind.padEnd(8)} ${size}, key ${m.keySize} B, value ${m.valueSize} B`;
    if (m.counters) {
      const shown = m.counters.slice(0, SHOWN_COUNTER_ENTRIES);
      const hidden = m.counters.length - shown.length;
      line += m.counters.length
        ? `; non-zero: ${shown.map((c) => `[${c.index}] ${c.total}`).join(', ')}${hidden || m.more ? `, ... (${hidden}${m.more ? '+' : ''} more: wasmxdp run --json)` : ''}`
        : '; all zero';
    }
    rows.push(line);
  }
  return rows;
}

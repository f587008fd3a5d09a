// `wasmxdp map list|get|set|delete|dump <port> [<map> [key] [value]]`: the
// maps of a running port, read and changed by the worker that owns the
// memory, between two batches. With several queues (one memory each), set and
// delete apply to every queue; get, dump and list answer per queue, and
// counters are also summed over the queues.

import { MAX_QUEUE } from '../../../host/abi.js';
import { WasmxdpError } from '../../../host/errors.js';
import { num, parseCommand, Parsed, str } from '../args.js';
import { ask, CLIENT_HELP, CLIENT_OPTIONS, output } from './daemon-client.js';

export const MAP_HELP = `Usage:
  wasmxdp map list   <port>
  wasmxdp map get    <port> <map> <key>
  wasmxdp map set    <port> <map> <key> <value>
  wasmxdp map delete <port> <map> <key>
  wasmxdp map dump   <port> <map> [--limit N]

Keys and values are hex bytes (0a000001), or fields name=value,... when
--key-fields / --value-fields give their types (e.g. --key-fields src:ip
--value-fields rate:u32,burst:u32; types: u8 u16 u32 u64 i32 i64 be16 be32 be64
ipv4 ipv6 ip mac bytesN). Array and counters keys are indexes (7; hex with 0x),
counters values decimal numbers (a set writes slot 0 and zeroes the others).

A port with several queues has one memory per queue: set and delete apply to
every queue; get, dump and list answer per queue, and counters are summed over
the queues too. --queue N restricts any operation to one queue.

Options:
  --queue <N>          only this queue's memory
  --key-fields <spec>  name:type,... of the key
  --value-fields <spec> name:type,... of the value
  --limit <N>          dump: at most N entries per queue (default 100000)
${CLIENT_HELP}`;

const OPTIONS = {
  ...CLIENT_OPTIONS, queue: { type: 'string' }, 'key-fields': { type: 'string' }, 'value-fields': { type: 'string' }, limit: { type: 'string' },
} as const;

const ARITY: Record<string, [number, number]> = { list: [2, 2], get: [4, 4], set: [5, 5], delete: [4, 4], dump: [3, 3] };

function schema(p: Parsed, name: string): Record<string, string> | undefined {
  const s = str(p, name);
  if (s === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [field, type] = part.split(':').map((x) => x?.trim());
    if (!field || !type) throw new WasmxdpError('E_USAGE', `--${name}: '${part}' is not name:type (e.g. src:ip)`);
    out[field] = type;
  }
  return out;
}

interface Entry { key: string; value: string; keyFields?: Record<string, unknown>; valueFields?: Record<string, unknown>; total?: string }
type PerQueue<T> = { queue: number; result: T }[];

const show = (e: Entry) => {
  const k = e.keyFields ? JSON.stringify(e.keyFields) : e.key;
  const v = e.total !== undefined ? e.total : e.valueFields ? JSON.stringify(e.valueFields) : e.value;
  return `${k} = ${v}`;
};

function formatMap(op: string, r: { queues: PerQueue<unknown>; total?: string; totals?: { key: string; total: string }[] }): string {
  const multi = r.queues.length > 1;
  const q = (n: number) => (multi ? `queue ${n}: ` : '');
  switch (op) {
    case 'list':
      return (r.queues as PerQueue<{ name: string; kind: string; keySize: number; valueSize: number; maxEntries: number; count: number; corrupt?: string }[]>).map((x) =>
        (multi ? `queue ${x.queue}:\n` : '') + x.result.map((m) => (m.corrupt !== undefined
          ? `${m.name.padEnd(24)} CORRUPT   ${m.corrupt}: the guest overwrote its descriptor; deploy with --reset-maps or roll back to recreate it`
          : `${m.name.padEnd(24)} ${m.kind.padEnd(9)} key ${m.keySize} value ${m.valueSize} max ${m.maxEntries} entries ${m.count}`)).join('\n')).join('\n');
    case 'get': case 'set':
      return [...(r.queues as PerQueue<Entry>).map((x) => q(x.queue) + show(x.result)), ...(multi && r.total !== undefined ? [`total over queues: ${r.total}`] : [])].join('\n');
    case 'delete':
      return (r.queues as PerQueue<{ deleted: boolean }>).map((x) => q(x.queue) + (x.result.deleted ? 'deleted' : 'no such key')).join('\n');
    default: {
      const lines: string[] = [];
      for (const x of r.queues as PerQueue<{ entries: Entry[]; truncated: boolean }>) {
        if (multi) lines.push(`queue ${x.queue}:`);
        lines.push(...x.result.entries.map(show));
        if (x.result.truncated) lines.push('(truncated: raise --limit)');
      }
      if (multi && r.totals) lines.push('total over queues:', ...r.totals.map((t) => `${t.key} = ${t.total}`));
      return lines.join('\n');
    }
  }
}

export async function mapCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('map', argv, OPTIONS, { min: 0, max: 5 });
  if (p.values.help) { print(MAP_HELP); return 0; }
  const [op, port, map, key, value] = p.positionals;
  const arity = ARITY[op ?? ''];
  if (!arity) throw new WasmxdpError('E_USAGE', `give an operation: list, get, set, delete or dump (see 'wasmxdp map --help')`);
  if (p.positionals.length < arity[0] || p.positionals.length > arity[1]) {
    throw new WasmxdpError('E_USAGE', `${op} needs ${['<port>', '<map>', '<key>', '<value>'].slice(0, arity[0] - 1).join(' ')} (see 'wasmxdp map --help')`);
  }
  const args: Record<string, unknown> = { port, map, key, value, keySchema: schema(p, 'key-fields'), valueSchema: schema(p, 'value-fields'), queue: num(p, 'queue', 0, MAX_QUEUE), limit: num(p, 'limit', 0, 1e9) };
  for (const k of Object.keys(args)) if (args[k] === undefined) delete args[k];
  return output(p, print, await ask(p, `map.${op}` as 'map.get', args), (r: Parameters<typeof formatMap>[1]) => formatMap(op, r));
}

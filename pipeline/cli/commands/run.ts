import { WasmxdpError } from '../../../host/errors.js';
import { choiceText, isChoice, OPTIONS as OPTION_TABLE, rangeText } from '../../../host/options.js';
import type { ProgramOptions } from '../../program/create-sandbox.js';
import { num, parseCommand, Parsed, str } from '../args.js';
import { runLive } from './run-live.js';
import { runOffline } from './run-offline.js';

export const RUN_HELP = `Usage:
  wasmxdp run <handler> --pcap <capture> [--out <file.pcapng|file.pcap>] [--only <verdicts>] [--json]
  wasmxdp run <handler> --iface <ifname> [--queue N|all] [--mode ${OPTION_TABLE.xdpMode.values.join('|')}] [--duration <s>] [--json]

<handler> is an AssemblyScript source (.ts), an example's directory, or a built .wasm.

Offline (--pcap): streams a pcap or pcapng capture (Ethernet; any size, in
constant memory) through the handler and prints the packet count per verdict,
the handler's counters and maps, and its warm handler time (median of replays
of the capture's first frames on a separate instance, after JIT warm-up).
A capture cut mid-record is read up to the cut, with a warning. On a terminal,
a progress line is shown on stderr. --out writes every frame as the handler
left it: to a .pcapng file each with a comment "wasmxdp verdict=<verdict>"
that tcpdump -r, tshark (field frame.comment) and Wireshark show; to a .pcap
file (classic pcap, nanosecond timestamps) without verdicts, which that
format cannot hold.

Live (--iface): attaches to a network interface through AF_XDP (root), prints
figures once a second and a summary at the end (Ctrl-C or --duration).

Options:
  --pcap <file>        capture to replay
  --out <file>         .pcapng (frames + verdict comments) or .pcap (frames only) to write (offline)
  --only <list>        with --out: write only these verdicts, e.g. tx,redirect
  --iface <ifname>     interface to attach to (live)
  --queue <N|all>      rx queue ${rangeText(OPTION_TABLE.queue)}, or one worker per queue (default ${OPTION_TABLE.queue.default})
  --mode <skb|drv>     XDP attach mode: skb (generic, works on every interface) or drv (native, needs driver support) (default ${OPTION_TABLE.xdpMode.default})
  --duration <s>       stop after this many seconds (live)
  --force              replace an XDP program on the interface that is not wasmxdp's (live)
  --fail <verdict>     verdict for packets a trapping handler could not judge: ${choiceText(OPTION_TABLE.failVerdict)} (default ${OPTION_TABLE.failVerdict.default})
  --heap-pages <n>     guest heap quota in 64 KiB pages, ${rangeText(OPTION_TABLE.heapPages)} (default ${OPTION_TABLE.heapPages.default})
  --fuel <n>           CPU budget per packet in fuel units, about one wasm instruction each, ${rangeText(OPTION_TABLE.fuelPerPacket)} (default ${OPTION_TABLE.fuelPerPacket.default})
  --unmetered          run without the CPU budget instrumentation (trusted handlers, benchmarks)
  --json               print the summary as JSON
  -h, --help           this help`;

const OPTIONS = {
  pcap: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' }, iface: { type: 'string' },
  queue: { type: 'string' }, mode: { type: 'string' }, duration: { type: 'string' }, fail: { type: 'string' },
  'heap-pages': { type: 'string' }, fuel: { type: 'string' }, unmetered: { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' },
} as const;

export async function runCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('run', argv, OPTIONS, { min: 1, max: 1 });
  if (p.values.help) { print(RUN_HELP); return 0; }
  const pcap = str(p, 'pcap');
  const iface = str(p, 'iface');
  if (!pcap === !iface) throw new WasmxdpError('E_USAGE', `wasmxdp run: give either --pcap <capture> or --iface <ifname> (see 'wasmxdp run --help')`);
  if (iface) return runLive(p, print);
  return runOffline(p, pcap!, { print });
}

/** Sandbox options shared by offline and live runs. */
export function programOptions(p: Parsed): ProgramOptions {
  const fail = str(p, 'fail');
  if (fail !== undefined && !isChoice(OPTION_TABLE.failVerdict, fail)) {
    throw new WasmxdpError('E_USAGE', `--fail must be one of ${OPTION_TABLE.failVerdict.values.join(', ')}, got '${fail}'`);
  }
  return {
    heapPages: num(p, 'heap-pages', OPTION_TABLE.heapPages.min, OPTION_TABLE.heapPages.max),
    fuelPerPacket: num(p, 'fuel', OPTION_TABLE.fuelPerPacket.min, OPTION_TABLE.fuelPerPacket.max),
    failVerdict: fail,
    metering: p.values.unmetered ? false : undefined,
  };
}

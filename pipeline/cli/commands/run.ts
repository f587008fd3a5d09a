import path from 'node:path';
import { ACTION_NAMES, Action } from '../../../host/abi.js';
import { WasmxdpError } from '../../../host/errors.js';
import { openCapture, PcapngWriter } from '../../capture/index.js';
import { OfflineRunner } from '../../offline/offline-runner.js';
import { FAIL_VERDICTS, FailVerdict } from '../../../host/sandbox.js';
import { createSandbox, ProgramOptions } from '../../program/create-sandbox.js';
import { loadProgramBytes } from '../../program/load-program.js';
import { num, parseCommand, Parsed, str } from '../args.js';
import { formatVerdictTable, RunReport } from '../verdict-table.js';
import { runLive } from '../../live/run-live.js';

export const RUN_HELP = `Usage:
  wasmxdp run <handler> --pcap <capture> [--out <file.pcapng>] [--only <verdicts>] [--json]
  wasmxdp run <handler> --iface <ifname> [--queue N|all] [--mode skb|drv] [--duration <s>] [--json]

<handler> is an AssemblyScript source (.ts), an example's directory, or a built .wasm.

Offline (--pcap): replays a pcap or pcapng capture (Ethernet) through the handler
and prints the packet count per verdict. --out writes every frame as the handler
left it to a pcapng file, each with a comment "wasmxdp verdict=<verdict>" that
tcpdump -r, tshark (field frame.comment) and Wireshark show.

Live (--iface): attaches to a network interface through AF_XDP (root), prints
figures once a second and a summary at the end (Ctrl-C or --duration).

Options:
  --pcap <file>        capture to replay
  --out <file>         pcapng to write (offline)
  --only <list>        with --out: write only these verdicts, e.g. tx,redirect
  --iface <ifname>     interface to attach to (live)
  --queue <N|all>      rx queue, or one worker per queue (default 0)
  --mode <skb|drv>     XDP attach mode (default: drv, falling back to skb)
  --duration <s>       stop after this many seconds (live)
  --force              replace an XDP program on the interface that is not wasmxdp's (live)
  --fail <verdict>     verdict for packets a trapping handler could not judge: aborted, drop or pass (default aborted)
  --heap-pages <n>     guest heap quota in 64 KiB pages (default 16)
  --fuel <n>           CPU budget per packet in fuel units, about one wasm instruction each (default 100000)
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
  return runOffline(p, pcap!, print);
}

/** Sandbox options shared by offline and live runs. */
export function programOptions(p: Parsed): ProgramOptions {
  const fail = str(p, 'fail');
  if (fail !== undefined && !(FAIL_VERDICTS as readonly string[]).includes(fail)) {
    throw new WasmxdpError('E_USAGE', `--fail must be one of ${FAIL_VERDICTS.join(', ')}, got '${fail}'`);
  }
  return {
    heapPages: num(p, 'heap-pages', 1, 1024),
    fuelPerPacket: num(p, 'fuel', 1, 1_000_000),
    failVerdict: fail as FailVerdict | undefined,
    metering: p.values.unmetered ? false : undefined,
  };
}

function parseOnly(p: Parsed): Set<number> | null {
  const only = str(p, 'only');
  if (only === undefined) return null;
  const set = new Set<number>();
  for (const name of only.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = (ACTION_NAMES as readonly string[]).indexOf(name);
    if (i < 0) throw new WasmxdpError('E_USAGE', `--only: unknown verdict '${name}'; use any of ${ACTION_NAMES.join(', ')}`);
    set.add(i);
  }
  return set;
}

async function runOffline(p: Parsed, pcap: string, print: (s: string) => void): Promise<number> {
  const out = str(p, 'out');
  if (out && !out.endsWith('.pcapng')) {
    throw new WasmxdpError('E_USAGE', `--out ${out}: verdicts are written as pcapng packet comments; name the output file .pcapng`);
  }
  if (str(p, 'only') && !out) throw new WasmxdpError('E_USAGE', '--only goes with --out');
  const only = parseOnly(p);
  const program = await loadProgramBytes(p.positionals[0]);
  const sandbox = createSandbox(program, { ...programOptions(p), frameSize: 4096 });
  const writer = out ? new PcapngWriter(out) : null;
  let report: RunReport;
  try {
    const runner = new OfflineRunner(sandbox, (v) => {
      if (!writer || (only && !only.has(v.action))) return;
      const name = ACTION_NAMES[v.action] ?? 'aborted';
      const comment = v.action === Action.REDIRECT ? `wasmxdp verdict=${name} port=${v.target}` : `wasmxdp verdict=${name}`;
      writer.write({ data: v.data, tsNs: v.frame.tsNs, comment });
    }, undefined, (_i, frame) => {
      if (writer && !only) writer.write({ data: frame.data, tsNs: frame.tsNs, comment: 'wasmxdp skipped=oversize' });
    });
    let i = 0;
    for (const pkt of openCapture(pcap)) runner.push({ data: pkt.data, tsNs: pkt.tsNs }, i++);
    runner.flush();
    const s = runner.result();
    const st = sandbox.stats.snapshot();
    report = {
      program: program.name,
      input: path.basename(pcap),
      packets: s.packets,
      verdicts: s.verdicts,
      oversize: s.oversize,
      traps: st.traps,
      trapsByKind: st.trapsByKind,
      invalidVerdicts: st.invalidVerdicts,
      nsPerPacket: s.packets ? s.elapsedNs / s.packets : 0,
      output: out,
      stats: st,
    };
  } finally {
    writer?.close();
  }
  print(p.values.json ? JSON.stringify(report) : formatVerdictTable(report));
  return 0;
}

// `wasmxdp capture --port edge -w out.pcapng`: frames a running port's
// handler judged, as pcapng with the verdict in each packet's comment (as
// `wasmxdp run --out` writes them), from the daemon's capture rings.

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WasmxdpError } from '../../../host/errors.js';
import { encodeEnhancedPacket, encodeSectionHeader } from '../../capture/pcapng-writer.js';
import { ControlClient } from '../../control/client.js';
import { socketPath } from '../../control/protocol.js';
import { num, parseCommand, str } from '../args.js';

export const CAPTURE_HELP = `Usage: wasmxdp capture --port <name> [--stage <s>] -w <file.pcapng | -> [--verdict drop,pass,...]
                       [--count N] [--snaplen B] [--duration S] [--socket <path>]

Writes the frames a running port's handler judged, as it judged them (after
any rewrite), to a pcapng file, each with the comment "wasmxdp verdict=<v>"
(and "port=<n>" for redirect). -w - writes to stdout: wasmxdp capture ... -w - | tshark -r -
The data path never waits for the capture: a frame that finds the capture's
buffer full is left out and counted; the count is printed at the end.

Options:
  --port <name>        the port
  --stage <s>          on a chain port, the stage whose verdicts to capture (needed when it has several)
  -w, --write <file>   the pcapng file, or - for stdout
  --verdict <list>     only these verdicts (aborted, drop, pass, tx, redirect; default all)
  --count <N>          stop after N frames
  --snaplen <B>        at most B bytes of each frame (default 65535)
  --duration <S>       stop after S seconds (default: Ctrl-C)
  --socket <path>      the daemon's socket (default $WASMXDP_SOCKET, else /run/wasmxdp.sock)
  -h, --help           this help`;

const OPTIONS = {
  port: { type: 'string' }, stage: { type: 'string' }, write: { type: 'string', short: 'w' }, verdict: { type: 'string' }, count: { type: 'string' },
  snaplen: { type: 'string' }, duration: { type: 'string' }, socket: { type: 'string' },
} as const;

interface Frame { data: Uint8Array; origLen: number; verdictName: string; target: number; tsMs: number; redirect: boolean }

export async function captureCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('capture', argv, OPTIONS, { min: 0, max: 0 });
  if (p.values.help) { print(CAPTURE_HELP); return 0; }
  const port = str(p, 'port');
  const stage = str(p, 'stage');
  const where = stage ? `port ${port} stage ${stage}` : `port ${port}`;
  const file = str(p, 'write');
  if (!port || !file) throw new WasmxdpError('E_USAGE', `give --port <name> and -w <file.pcapng | -> (see 'wasmxdp capture --help')`);
  const count = num(p, 'count', 1, 1e12);
  const duration = num(p, 'duration', 0.001, 1e9);
  const snaplen = num(p, 'snaplen', 1, 65535);
  const verdicts = str(p, 'verdict')?.split(',').map((v) => v.trim()).filter(Boolean);
  const client = await ControlClient.connect(socketPath(str(p, 'socket')));
  const out = file === '-' ? process.stdout : fs.createWriteStream(file);
  const write = (b: Uint8Array) => new Promise<void>((resolve, reject) => { out.write(b, (e) => (e ? reject(e) : resolve())); });
  let stop = false;
  const onSignal = () => { stop = true; };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let written = 0;
  let result = { captured: 0, dropped: 0 };
  try {
    const session = await client.request('capture.start', { port, ...(stage ? { stage } : {}), ...(verdicts ? { verdicts } : {}), ...(snaplen ? { snaplen } : {}) }) as { id: number; verdicts: string[]; snaplen: number };
    await write(encodeSectionHeader({ interfaces: [{ name: port, snaplen: session.snaplen }], sectionComment: `wasmxdp capture of ${where}, verdicts ${session.verdicts.join(',')}` }));
    process.stderr.write(`wasmxdp capture: ${where}, verdicts ${session.verdicts.join(',')}, writing ${file === '-' ? 'stdout' : file}\n`);
    const end = duration === undefined ? Infinity : Date.now() + duration * 1000;
    while (!stop && Date.now() < end && (count === undefined || written < count)) {
      const r = await client.request('capture.read', { id: session.id }) as { frames: Frame[] };
      for (const f of r.frames) {
        if (count !== undefined && written >= count) break;
        const comment = f.redirect ? `wasmxdp verdict=${f.verdictName} port=${f.target}` : `wasmxdp verdict=${f.verdictName}`;
        await write(encodeEnhancedPacket({ data: f.data, origLen: f.origLen, tsNs: BigInt(Math.round(f.tsMs * 1e6)), comment }));
        written++;
      }
      if (r.frames.length === 0) await sleep(50);
    }
    result = await client.request('capture.stop', { id: session.id }) as { captured: number; dropped: number };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    client.close();
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
  }
  process.stderr.write(`wasmxdp capture: ${written} frame(s) written; ${result.dropped} left out of the capture because its buffer was full\n`);
  return 0;
}

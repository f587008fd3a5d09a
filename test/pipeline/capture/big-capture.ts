// Writes a large capture by repeating the bundled mix's frames with advancing
// timestamps, streamed to disk (the generator itself stays small):
//   node dist/test/pipeline/capture/big-capture.js <out.pcap|out.pcapng> <megabytes>

import { fileURLToPath } from 'node:url';
import { PcapngWriter, PcapWriter } from '../../../pipeline/capture/index.js';
import { generateMix } from '../../helpers/gen-capture.js';

/** Writes frames until the file holds at least `bytes` bytes; returns the packet count. */
export function writeBigCapture(path: string, bytes: number): number {
  const frames = generateMix();
  const w = path.endsWith('.pcapng') ? new PcapngWriter(path) : new PcapWriter(path, { nanosecond: true });
  let written = 0, n = 0, round = 0n;
  try {
    while (written < bytes) {
      for (const f of frames) {
        w.write({ data: f.data, tsNs: f.tsNs + round * 60_000_000_000n });
        written += f.data.length + 32;
        n++;
      }
      round++;
    }
  } finally {
    w.close();
  }
  return n;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, mb] = process.argv.slice(2);
  console.log(`${writeBigCapture(out, Number(mb) * 1e6)} packets written to ${out}`);
}

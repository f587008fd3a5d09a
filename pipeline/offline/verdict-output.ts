// `run --out`: every frame as the handler left it, to pcapng (each with its
// verdict as a packet comment) or classic pcap (no comments: the format has
// none), chosen by the file's extension. Timestamps are kept exactly: a
// pcapng output created at the first frame gets an if_tsoffset when that
// frame is from before 1970 (a capture's own negative if_tsoffset can put it
// there), and a timestamp the output cannot hold is a clear error naming the
// frame, not a usage error.

import fs from 'node:fs';
import { WasmxdpError } from '../../host/errors.js';
import { PcapngWriter, PcapWriter } from '../capture/index.js';

const NS = 1_000_000_000n;
const U64 = 1n << 64n;
const U32_SECONDS = 1n << 32n;

export type OutputFormat = 'pcapng' | 'pcap';

export function outputFormat(path: string): OutputFormat {
  if (path.endsWith('.pcapng')) return 'pcapng';
  if (path.endsWith('.pcap')) return 'pcap';
  throw new WasmxdpError('E_USAGE', `--out ${path}: name the output file .pcapng (frames with their verdicts as comments) or .pcap (classic pcap: frames only, no verdicts)`);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function when(tsNs: bigint): string {
  const ms = Number(floorDiv(tsNs, 1_000_000n));
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${tsNs} ns` : d.toISOString();
}

export class VerdictOutput {
  readonly format: OutputFormat;
  private pcapng: PcapngWriter | null = null;
  private pcap: PcapWriter | null = null;
  private offsetNs = 0n;
  count = 0;

  constructor(readonly path: string, private readonly input: string) {
    this.format = outputFormat(path);
    // The writer is made at the first frame (it needs its timestamp); an
    // output that cannot be created must still fail before the run.
    try {
      fs.closeSync(fs.openSync(path, 'w'));
    } catch (e) {
      throw new WasmxdpError('E_IO', `cannot create capture file ${path}: ${(e as Error).message}; check that the directory exists and is writable`, { cause: e });
    }
  }

  /** Verdict comments survive in pcapng only. */
  get keepsComments(): boolean { return this.format === 'pcapng'; }

  /** `index`: the frame's position in the input (0-based), for error messages. */
  write(data: Uint8Array, tsNs: bigint, comment: string, index: number): void {
    if (this.format === 'pcap') {
      if (tsNs < 0n || tsNs / NS >= U32_SECONDS) {
        throw new WasmxdpError('E_CAPTURE_FORMAT', `${this.input}: frame ${index + 1} is timestamped ${when(tsNs)}, which classic pcap cannot hold (1970 to 2106); write the output as .pcapng instead`);
      }
      this.pcap ??= new PcapWriter(this.path, { nanosecond: true });
      this.pcap.write({ data, tsNs });
    } else {
      if (!this.pcapng) this.open(tsNs);
      const ticks = tsNs - this.offsetNs;
      if (ticks < 0n || ticks >= U64) {
        throw new WasmxdpError('E_CAPTURE_FORMAT', `${this.input}: frame ${index + 1} is timestamped ${when(tsNs)}, more than 584 years from the first frame written (${when(this.offsetNs)}); pcapng cannot hold both in one interface: cut the capture apart with editcap`);
      }
      this.pcapng!.write({ data, tsNs, comment });
    }
    this.count++;
  }

  close(): void {
    if (this.format === 'pcap') (this.pcap ??= new PcapWriter(this.path, { nanosecond: true })).close();
    else {
      if (!this.pcapng) this.open(0n);
      this.pcapng!.close();
    }
  }

  private open(firstTsNs: bigint): void {
    const offsetSec = firstTsNs < 0n ? floorDiv(firstTsNs, NS) : 0n;
    this.offsetNs = offsetSec * NS;
    this.pcapng = new PcapngWriter(this.path, { interfaces: [{ tsOffsetSec: offsetSec }] });
  }
}

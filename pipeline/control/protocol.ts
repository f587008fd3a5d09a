// The control-plane wire protocol (docs/protocol.md): each message is a u32
// big-endian length followed by that many bytes of msgpack. A request is
// { v, id, tenant, cmd, args }, a response { v, id, ok, result | error }.
// Framing errors that lose the message boundary (an oversized length) end the
// connection; anything else inside a well-framed message gets an error reply.

import { Packr, Unpackr } from 'msgpackr';
import { WasmxdpError } from '../../host/errors.js';

export const PROTOCOL_VERSION = 1;
/** Largest message either side accepts (a module of up to 4 MiB fits). */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_SOCKET = '/run/wasmxdp.sock';
export const DEFAULT_TENANT = 'default';

export const COMMANDS = ['ping', 'status', 'stats', 'deploy', 'rollback', 'map.list', 'map.get', 'map.set', 'map.delete', 'map.dump', 'tenant.list', 'tenant.status', 'capture.start', 'capture.read', 'capture.stop'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface Request {
  v: number;
  id: number;
  /** Owner of the objects the request touches; only 'default' exists for now. */
  tenant: string;
  cmd: CommandName;
  args: Record<string, unknown>;
}

export interface ErrorBody { code: string; message: string }

export type Response =
  | { v: number; id: number | null; ok: true; result: unknown }
  | { v: number; id: number | null; ok: false; error: ErrorBody };

// Plain maps (no records extension) so any msgpack implementation can speak it.
const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'string' });

/** One framed message. */
export function encodeFrame(message: unknown, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Buffer {
  const body = packr.pack(message);
  if (body.length > maxBytes) {
    throw new WasmxdpError('E_PROTOCOL', `message of ${body.length} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export function decodeBody(body: Buffer): unknown {
  try {
    return unpackr.unpack(body);
  } catch (e) {
    throw new WasmxdpError('E_PROTOCOL', `the message is not valid msgpack: ${(e as Error).message}`);
  }
}

/**
 * Splits a byte stream into message bodies. An announced length above the
 * limit throws (the stream cannot be resynchronised: close the connection).
 */
export class FrameDecoder {
  // Chunks as received, joined only when a message is complete: a message
  // arriving in many pieces is copied once, not once per piece.
  private chunks: Buffer[] = [];
  private held = 0;
  /** Body length of the message being received, once its prefix is in. */
  private need = -1;

  constructor(private readonly maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes of an unfinished message held. */
  get pending(): number { return this.held; }

  /** Drops whatever is held (the connection closed). */
  clear(): void {
    this.chunks = [];
    this.held = 0;
    this.need = -1;
  }

  push(chunk: Buffer): Buffer[] {
    if (chunk.length) { this.chunks.push(chunk); this.held += chunk.length; }
    const out: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.held < 4) break;
        const len = this.take(4).readUInt32BE(0);
        this.held += 4; // still counted until the body is taken
        if (len > this.maxBytes) {
          this.clear();
          throw new WasmxdpError('E_PROTOCOL', `message length ${len} exceeds the limit of ${this.maxBytes} bytes`);
        }
        this.need = len;
      }
      if (this.held - 4 < this.need) break;
      out.push(this.take(this.need));
      this.held -= 4;
      this.need = -1;
    }
    return out;
  }

  /** The next n bytes, removed from the chunks. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.held -= n;
    const first = this.chunks[0];
    if (first.length >= n) {
      const b = first.subarray(0, n);
      if (first.length === n) this.chunks.shift(); else this.chunks[0] = first.subarray(n);
      return b;
    }
    const b = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - at);
      c.copy(b, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    return b;
  }
}

/** Checks the envelope of a decoded request; the error names what is wrong. */
export function checkRequest(m: unknown): Request {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new WasmxdpError('E_PROTOCOL', 'a request must be a msgpack map { v, id, tenant, cmd, args }');
  const r = m as Record<string, unknown>;
  if (r.v !== PROTOCOL_VERSION) {
    throw new WasmxdpError('E_PROTOCOL', `protocol version ${JSON.stringify(r.v ?? null)} is not supported: this daemon speaks version ${PROTOCOL_VERSION}; use a matching wasmxdp client`);
  }
  if (typeof r.id !== 'number' || !Number.isInteger(r.id)) throw new WasmxdpError('E_PROTOCOL', 'request field id must be an integer');
  if (r.tenant !== undefined && typeof r.tenant !== 'string') throw new WasmxdpError('E_PROTOCOL', 'request field tenant must be a string');
  if (typeof r.cmd !== 'string') throw new WasmxdpError('E_PROTOCOL', 'request field cmd must be a string');
  if (!(COMMANDS as readonly string[]).includes(r.cmd)) {
    throw new WasmxdpError('E_PROTOCOL', `unknown command '${r.cmd}'; this daemon knows ${COMMANDS.join(', ')}`);
  }
  const args = r.args ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new WasmxdpError('E_PROTOCOL', 'request field args must be a map');
  return { v: PROTOCOL_VERSION, id: r.id, tenant: (r.tenant as string | undefined) ?? DEFAULT_TENANT, cmd: r.cmd as CommandName, args: args as Record<string, unknown> };
}

/** The socket path: --socket, then $WASMXDP_SOCKET, then the config's, then the default. */
export function socketPath(flag?: string, fromConfig?: string): string {
  return flag ?? process.env.WASMXDP_SOCKET ?? fromConfig ?? DEFAULT_SOCKET;
}

// The daemon's Unix socket: framed msgpack requests in, one response per
// request out, in order per connection. It outlives its clients' mistakes:
// a bad message gets an error reply, an oversized length prefix or a client
// that stalls mid-message (per-connection read timeout) loses only its own
// connection, and a client gone before its answer is simply not answered.

import fs from 'node:fs';
import net from 'node:net';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import {
  checkRequest, decodeBody, DEFAULT_MAX_MESSAGE_BYTES, encodeFrame, FrameDecoder, PROTOCOL_VERSION, Request, Response,
} from './protocol.js';

export type Handler = (req: Request) => Promise<unknown>;

export interface ServerOptions {
  path: string;
  maxMessageBytes?: number;
  /** A connection with part of a message and no byte for this long is closed. */
  readTimeoutMs?: number;
  /** A connection with no request for this long is closed (default 10 minutes). */
  idleTimeoutMs?: number;
  log?: (line: string) => void;
}

export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;

  private constructor(private readonly opts: ServerOptions, private readonly handler: Handler) {
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.timeoutMs = opts.readTimeoutMs ?? 5000;
    this.log = opts.log ?? (() => {});
    this.server = net.createServer((s) => this.accept(s));
  }

  /** Listens on opts.path (mode 0600); refuses a path where another daemon answers. */
  static async listen(opts: ServerOptions, handler: Handler): Promise<ControlServer> {
    await removeStaleSocket(opts.path);
    const srv = new ControlServer(opts, handler);
    // The umask makes the socket 0600 from its creation: no window where others may connect.
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        srv.server.once('error', (e: NodeJS.ErrnoException) => reject(new WasmxdpError('E_IO', `cannot listen on ${opts.path}: ${e.code ?? e.message}`)));
        srv.server.listen(opts.path, () => resolve());
      });
    } finally {
      process.umask(old);
    }
    fs.chmodSync(opts.path, 0o600);
    return srv;
  }

  get path(): string { return this.opts.path; }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try { fs.unlinkSync(this.opts.path); } catch { /* already gone */ }
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    const decoder = new FrameDecoder(this.maxBytes);
    let queue: Promise<void> = Promise.resolve();
    let lastData = Date.now();
    sock.setTimeout(this.timeoutMs);
    sock.on('timeout', () => {
      if (decoder.pending > 0) {
        this.reply(sock, null, new WasmxdpError('E_PROTOCOL', `incomplete message: no data for ${this.timeoutMs} ms; closing the connection`));
      } else if (Date.now() - lastData < (this.opts.idleTimeoutMs ?? 600_000)) {
        sock.setTimeout(this.timeoutMs); // between requests: keep waiting
        return;
      }
      sock.end();
      sock.destroySoon();
    });
    sock.on('error', () => {}); // a client that vanishes is not the daemon's problem
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      lastData = Date.now();
      let bodies: Buffer[];
      try {
        bodies = decoder.push(chunk);
      } catch (e) {
        // The length prefix is the only way to find the next message: give up on this connection.
        this.reply(sock, null, e);
        sock.end();
        sock.pause();
        return;
      }
      for (const body of bodies) queue = queue.then(() => this.serve(sock, body));
    });
  }

  private async serve(sock: net.Socket, body: Buffer): Promise<void> {
    let id: number | null = null;
    try {
      const msg = decodeBody(body);
      if (msg && typeof msg === 'object' && typeof (msg as { id?: unknown }).id === 'number') id = (msg as { id: number }).id;
      const req = checkRequest(msg);
      const result = await this.handler(req);
      this.reply(sock, id, null, result);
    } catch (e) {
      this.reply(sock, id, e);
    }
  }

  private reply(sock: net.Socket, id: number | null, err: unknown, result?: unknown): void {
    if (sock.destroyed || !sock.writable) return;
    let frame: Buffer;
    const errorResponse = (e: unknown): Response => ({
      v: PROTOCOL_VERSION, id, ok: false,
      error: isWasmxdpError(e) ? { code: e.code, message: e.message } : { code: 'E_INTERNAL', message: `unexpected error: ${(e as Error)?.message ?? String(e)}` },
    });
    if (err && !isWasmxdpError(err)) this.log(`control: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    try {
      frame = encodeFrame(err ? errorResponse(err) : { v: PROTOCOL_VERSION, id, ok: true, result }, this.maxBytes);
    } catch (e) {
      frame = encodeFrame(errorResponse(new WasmxdpError('E_PROTOCOL', `the response is too large (${(e as Error).message}); ask for less (e.g. map dump --limit)`)), this.maxBytes);
    }
    sock.write(frame);
  }
}

/** Unlinks a socket file nobody listens on; refuses when a daemon answers there. */
async function removeStaleSocket(p: string): Promise<void> {
  if (!fs.existsSync(p)) return;
  const st = fs.statSync(p);
  if (!st.isSocket()) throw new WasmxdpError('E_CONFIG', `${p} exists and is not a socket; choose another path with --socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new WasmxdpError('E_CONFIG', `a wasmxdp daemon already listens on ${p}; stop it first or use another --socket`);
  fs.unlinkSync(p);
}

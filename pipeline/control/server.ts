// The daemon's Unix socket: framed msgpack requests in, one response per
// request out, in order per connection. It outlives its clients' mistakes and
// its clients' malice (docs/control-plane.md, threat model):
// - it listens only in a directory nobody else can write, with mode 0600, and
//   answers only peers (SO_PEERCRED) that are root or its own uid;
// - connections are capped; at the cap the least recently active idle
//   connection makes room for the newcomer;
// - a message must arrive whole within a deadline, a stalled one sooner,
//   and an idle connection is closed;
// - bytes held for unfinished messages and queued requests count against one
//   budget for all connections; a connection that would exceed it is closed,
//   and everything a connection holds is dropped when it closes.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import { socketPeer, type PeerCredentials } from '../../native/peercred.js';
import {
  checkRequest, decodeBody, DEFAULT_MAX_MESSAGE_BYTES, encodeFrame, FrameDecoder, PROTOCOL_VERSION, Request, Response,
} from './protocol.js';

/** One client connection, as the handler sees it. */
export interface Connection {
  readonly id: number;
  /** The client process (SO_PEERCRED); null only when the addon is not built. */
  readonly peer: PeerCredentials | null;
}

export type Handler = (req: Request, conn: Connection) => Promise<unknown>;

export const CONTROL_LIMIT_DEFAULTS = {
  maxConnections: 64,
  /** A message must be complete this long after its first byte. */
  messageDeadlineMs: 10_000,
  /** No byte for this long in the middle of a message closes the connection. */
  readTimeoutMs: 5000,
  /** No request for this long closes the connection. */
  idleTimeoutMs: 120_000,
  /** Unfinished messages and queued requests over all connections. */
  maxBufferedBytes: 64 * 1024 * 1024,
} as const;

/** Requests read ahead of the one being served; beyond it the connection is not read. */
const MAX_QUEUED_REQUESTS = 16;

export interface ServerOptions {
  path: string;
  maxMessageBytes?: number;
  readTimeoutMs?: number;
  messageDeadlineMs?: number;
  idleTimeoutMs?: number;
  maxConnections?: number;
  maxBufferedBytes?: number;
  /** Uids answered besides root and the daemon's own (a tenant's socket admits its tenant's uid). */
  allowUids?: readonly number[];
  log?: (line: string) => void;
}

class Conn implements Connection {
  readonly decoder: FrameDecoder;
  /** Bodies read and waiting for the handler, and their bytes. */
  queued = 0;
  queuedBytes = 0;
  /** Requests being served. */
  serving = 0;
  lastActive = Date.now();
  lastData = Date.now();
  messageStart = 0;
  chain: Promise<void> = Promise.resolve();
  closed = false;

  constructor(readonly id: number, readonly sock: net.Socket, readonly peer: PeerCredentials | null, maxBytes: number) {
    this.decoder = new FrameDecoder(maxBytes);
  }

  get held(): number { return this.decoder.pending + this.queuedBytes; }
  get idle(): boolean { return this.serving === 0 && this.queued === 0; }
}

export class ControlServer {
  private readonly server: net.Server;
  private readonly conns = new Set<Conn>();
  /** Sockets told why they are being closed, waiting out their grace. */
  private readonly closing = new Set<net.Socket>();
  private readonly maxBytes: number;
  private readonly limits: Required<Omit<ServerOptions, 'path' | 'log' | 'maxMessageBytes' | 'allowUids'>>;
  private readonly log: (line: string) => void;
  private readonly sweeper: NodeJS.Timeout;
  private nextId = 1;
  private warnedNoPeer = false;
  /** Connections refused or closed for a limit, by reason (for status and tests). */
  readonly refused = { cap: 0, evicted: 0, deadline: 0, stalled: 0, idle: 0, budget: 0, peer: 0 };

  private constructor(private readonly opts: ServerOptions, private readonly handler: Handler) {
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.limits = {
      maxConnections: opts.maxConnections ?? CONTROL_LIMIT_DEFAULTS.maxConnections,
      messageDeadlineMs: opts.messageDeadlineMs ?? CONTROL_LIMIT_DEFAULTS.messageDeadlineMs,
      readTimeoutMs: opts.readTimeoutMs ?? CONTROL_LIMIT_DEFAULTS.readTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs ?? CONTROL_LIMIT_DEFAULTS.idleTimeoutMs,
      maxBufferedBytes: opts.maxBufferedBytes ?? CONTROL_LIMIT_DEFAULTS.maxBufferedBytes,
    };
    this.log = opts.log ?? (() => {});
    this.server = net.createServer((s) => this.accept(s));
    const l = this.limits;
    const every = Math.max(20, Math.min(1000, Math.min(l.readTimeoutMs, l.messageDeadlineMs, l.idleTimeoutMs) / 4));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /**
   * Listens on opts.path (mode 0600). Refuses a directory others can write
   * (anyone there could replace the socket) and a path where another daemon
   * answers.
   */
  static async listen(opts: ServerOptions, handler: Handler): Promise<ControlServer> {
    checkSocketDir(opts.path);
    await removeStaleSocket(opts.path);
    const srv = new ControlServer(opts, handler);
    // The umask makes the socket 0600 from its creation: no window where others may connect.
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        srv.server.once('error', (e: NodeJS.ErrnoException) => reject(new WasmxdpError('E_IO', `cannot listen on ${opts.path}: ${e.code ?? e.message}`)));
        srv.server.listen(opts.path, () => resolve());
      });
    } catch (e) {
      clearInterval(srv.sweeper);
      throw e;
    } finally {
      process.umask(old);
    }
    fs.chmodSync(opts.path, 0o600);
    return srv;
  }

  get path(): string { return this.opts.path; }

  /** What the socket holds now: connections and bytes of unfinished or queued messages. */
  figures(): { connections: number; bufferedBytes: number; limits: ControlServer['limits'] & { maxMessageBytes: number }; refused: ControlServer['refused'] } {
    let buffered = 0;
    for (const c of this.conns) buffered += c.held;
    return { connections: this.conns.size, bufferedBytes: buffered, limits: { ...this.limits, maxMessageBytes: this.maxBytes }, refused: { ...this.refused } };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const c of this.conns) this.drop(c);
    for (const sock of this.closing) sock.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try { fs.unlinkSync(this.opts.path); } catch { /* already gone */ }
  }

  private accept(sock: net.Socket): void {
    sock.on('error', () => {}); // a client that vanishes is not the daemon's problem
    let peer: PeerCredentials | null = null;
    try {
      peer = socketPeer(sock);
    } catch (e) {
      if (!isWasmxdpError(e) || e.code !== 'E_NATIVE_UNAVAILABLE') { sock.destroy(); return; }
      // Without the addon only the socket's mode 0600 keeps other users out.
      if (!this.warnedNoPeer) this.log(`control: cannot check clients' uids: ${e.message}`);
      this.warnedNoPeer = true;
    }
    const myUid = process.getuid?.() ?? 0;
    if (peer && peer.uid !== 0 && peer.uid !== myUid && !(this.opts.allowUids ?? []).includes(peer.uid)) {
      const allowed = [`root`, `uid ${myUid}`, ...(this.opts.allowUids ?? []).map((u) => `uid ${u}`)].join(', ');
      this.refused.peer++;
      this.log(`control: refused a client running as uid ${peer.uid} (pid ${peer.pid}) on ${this.opts.path}: only ${allowed} may use this socket`);
      this.refuse(sock, new WasmxdpError('E_PERMISSION', `uid ${peer.uid} may not use this daemon's socket ${this.opts.path}: only ${allowed} may`));
      return;
    }
    if (this.conns.size >= this.limits.maxConnections && !this.evictOne()) {
      this.refused.cap++;
      this.refuse(sock, new WasmxdpError('E_BUSY', `the daemon serves ${this.limits.maxConnections} connections already (its limit, maxConnections) and all of them are busy; try again shortly`));
      return;
    }
    const c = new Conn(this.nextId++, sock, peer, this.maxBytes);
    this.conns.add(c);
    sock.on('close', () => this.release(c));
    sock.on('data', (chunk: Buffer) => this.onData(c, chunk));
  }

  /** Closes the least recently active idle connection; false when every one is busy. */
  private evictOne(): boolean {
    let victim: Conn | undefined;
    for (const c of this.conns) if (c.idle && (!victim || c.lastActive < victim.lastActive)) victim = c;
    if (!victim) return false;
    this.refused.evicted++;
    this.cut(victim, new WasmxdpError('E_BUSY', `closed to make room: the daemon serves ${this.limits.maxConnections} connections (maxConnections) and this one was the least recently active`));
    return true;
  }

  private onData(c: Conn, chunk: Buffer): void {
    if (c.closed) return;
    const now = Date.now();
    c.lastData = now;
    c.lastActive = now;
    if (this.figures().bufferedBytes + chunk.length > this.limits.maxBufferedBytes) {
      this.refused.budget++;
      this.cut(c, new WasmxdpError('E_BUSY', `the daemon holds ${this.limits.maxBufferedBytes} bytes of unfinished requests (its limit, maxBufferedBytes); closing this connection: retry when the other clients are done`));
      return;
    }
    if (c.decoder.pending === 0) c.messageStart = now;
    let bodies: Buffer[];
    try {
      bodies = c.decoder.push(chunk);
    } catch (e) {
      // The length prefix is the only way to find the next message: give up on this connection.
      this.cut(c, e);
      return;
    }
    if (c.decoder.pending > 0 && bodies.length > 0) c.messageStart = now;
    for (const body of bodies) {
      c.queued++;
      c.queuedBytes += body.length;
      c.chain = c.chain.then(() => this.serve(c, body));
    }
    this.throttle(c);
  }

  /** Stops reading a connection that is far ahead of its answers, resumes it once they are out. */
  private throttle(c: Conn): void {
    if (c.closed) return;
    const behind = c.queued >= MAX_QUEUED_REQUESTS || c.sock.writableLength > this.maxBytes;
    if (behind && !c.sock.isPaused()) c.sock.pause();
    else if (!behind && c.sock.isPaused()) c.sock.resume();
  }

  private async serve(c: Conn, body: Buffer): Promise<void> {
    if (c.closed) return;
    c.queued--;
    c.queuedBytes -= body.length;
    c.serving++;
    let id: number | null = null;
    try {
      const msg = decodeBody(body);
      if (msg && typeof msg === 'object' && typeof (msg as { id?: unknown }).id === 'number') id = (msg as { id: number }).id;
      const req = checkRequest(msg);
      const result = await this.handler(req, c);
      this.reply(c.sock, id, null, result);
    } catch (e) {
      this.reply(c.sock, id, e);
    } finally {
      c.serving--;
      c.lastActive = Date.now();
    }
    if (c.sock.writableLength > this.maxBytes) c.sock.once('drain', () => this.throttle(c));
    this.throttle(c);
  }

  private sweep(): void {
    const now = Date.now();
    const l = this.limits;
    for (const c of this.conns) {
      if (c.decoder.pending > 0) {
        if (now - c.messageStart > l.messageDeadlineMs) {
          this.refused.deadline++;
          this.cut(c, new WasmxdpError('E_PROTOCOL', `incomplete message: not complete ${l.messageDeadlineMs} ms after its first byte (messageDeadlineMs); closing the connection`));
        } else if (now - c.lastData > l.readTimeoutMs) {
          this.refused.stalled++;
          this.cut(c, new WasmxdpError('E_PROTOCOL', `incomplete message: no data for ${l.readTimeoutMs} ms; closing the connection`));
        }
      } else if (c.idle && now - c.lastActive > l.idleTimeoutMs) {
        this.refused.idle++;
        this.cut(c, new WasmxdpError('E_PROTOCOL', `no request for ${l.idleTimeoutMs} ms (idleTimeoutMs); closing the connection`));
      }
    }
  }

  /** Tells the client why, then closes its connection and drops what it held. */
  private cut(c: Conn, why: unknown): void {
    this.release(c);
    this.refuse(c.sock, why);
  }

  /**
   * Sends the reason and half-closes, reading nothing more; the socket is
   * destroyed after a short grace (closing outright could make the client's
   * pending write fail before it reads the reason).
   */
  private refuse(sock: net.Socket, why: unknown): void {
    this.reply(sock, null, why);
    sock.pause();
    sock.end();
    this.closing.add(sock);
    sock.once('close', () => this.closing.delete(sock));
    setTimeout(() => sock.destroy(), 1000).unref();
  }

  private drop(c: Conn): void {
    c.sock.destroy();
    this.release(c);
  }

  private release(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    c.decoder.clear();
    c.queued = 0;
    c.queuedBytes = 0;
    this.conns.delete(c);
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

/** Where to put the socket instead of a directory others can write. */
export const SAFE_SOCKET_DIR = '/run/wasmxdp';

/**
 * Refuses a socket directory that anyone but root and the daemon's user can
 * write: whoever can write it can remove the socket and listen in its place
 * (clients would send them modules). Creates a missing last component 0755.
 */
export function checkSocketDir(socket: string): void {
  const dir = path.dirname(path.resolve(socket));
  if (!fs.existsSync(dir)) {
    const parent = path.dirname(dir);
    if (!fs.existsSync(parent)) throw new WasmxdpError('E_CONFIG', `cannot create the socket directory ${dir}: ${parent} does not exist`);
    checkSocketDir(dir);
    fs.mkdirSync(dir, { mode: 0o755 });
  }
  const st = fs.statSync(dir);
  const me = process.getuid?.() ?? 0;
  const hint = `put the socket in a directory only root or the daemon's user can write, e.g. ${SAFE_SOCKET_DIR}/control.sock (created 0755 if missing) or a 0700 directory of your own`;
  if (st.mode & 0o022) {
    throw new WasmxdpError('E_PERMISSION', `refusing to create the control socket in ${dir}: the directory is writable by ${st.mode & 0o002 ? 'every user' : 'its group'} (mode ${(st.mode & 0o7777).toString(8)}), so another user could replace the socket; ${hint}`);
  }
  if (st.uid !== 0 && st.uid !== me) {
    throw new WasmxdpError('E_PERMISSION', `refusing to create the control socket in ${dir}: it belongs to uid ${st.uid}, who could replace the socket; ${hint}`);
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

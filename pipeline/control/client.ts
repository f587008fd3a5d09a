// A control-plane client: one connection, requests answered in order. The
// CLI commands and the tests use it; an error response becomes a
// WasmxdpError with the daemon's code and message.

import fs from 'node:fs';
import net from 'node:net';
import { dirname as pathDirname } from 'node:path';
import { WasmxdpError, ErrorCode, isWasmxdpError } from '../../host/errors.js';
import { socketPeer } from '../../native/peercred.js';
import {
  CommandName, decodeBody, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_TENANT, encodeFrame, FrameDecoder, PROTOCOL_VERSION, Response,
} from './protocol.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * How long a deploy or rollback may take once its swap has begun: each
 * worker answers a swap within its request timeout (10 s), and a refused
 * swap is undone the same way. The client waits its deadline plus this for
 * the daemon's answer, so the answer it prints is what happened.
 */
export const SWAP_GRACE_MS = 25_000;
export const DEFAULT_DEPLOY_DEADLINE_MS = 60_000;

/** Commands that change a port: a client timeout does not say whether they happened. */
const CHANGES = new Set<CommandName>(['deploy', 'rollback', 'map.set', 'map.delete']);

export class ControlClient {
  private readonly decoder = new FrameDecoder(DEFAULT_MAX_MESSAGE_BYTES);
  private readonly waiting = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closedWith: Error | null = null;

  private constructor(private readonly sock: net.Socket, readonly path: string, readonly tenant: string) {
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const body of this.decoder.push(chunk)) {
          const r = decodeBody(body) as Response;
          const w = r && typeof r.id === 'number' ? this.waiting.get(r.id) : undefined;
          if (w) { this.waiting.delete(r.id as number); w.resolve(r); }
          else if (r && r.ok === false) this.fail(new WasmxdpError(r.error.code as ErrorCode, r.error.message));
        }
      } catch (e) {
        this.fail(e as Error);
        sock.destroy();
      }
    });
    sock.on('error', (e) => this.fail(new WasmxdpError('E_IO', `connection to the daemon at ${path} failed: ${e.message}`)));
    sock.on('close', () => this.fail(new WasmxdpError('E_IO', `the daemon at ${path} closed the connection`)));
  }

  /** `tenant`: the owner requests act for (only 'default' exists for now). */
  static connect(path: string, tenant = DEFAULT_TENANT): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(path);
      sock.once('connect', () => {
        try {
          checkServer(sock, path);
        } catch (e) {
          sock.destroy();
          reject(e);
          return;
        }
        resolve(new ControlClient(sock, path, tenant));
      });
      sock.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
          reject(new WasmxdpError('E_IO', `no wasmxdp daemon at ${path}: start one with wasmxdp serve --config <pipeline.json> (or give --socket / WASMXDP_SOCKET)`));
        } else if (e.code === 'EACCES') {
          reject(new WasmxdpError('E_PERMISSION', `not allowed to connect to ${path} (the socket is mode 0600, owned by the daemon's user): run as that user`));
        } else {
          reject(new WasmxdpError('E_IO', `cannot connect to the daemon at ${path}: ${e.code ?? e.message}`));
        }
      });
    });
  }

  /** Sends one request and resolves with its result; an error response rejects. */
  async request(cmd: CommandName, args: Record<string, unknown> = {}, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<unknown> {
    if (this.closedWith) throw this.closedWith;
    const id = this.nextId++;
    const frame = encodeFrame({ v: PROTOCOL_VERSION, id, tenant: this.tenant, cmd, args });
    const r = await new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        const outcome = CHANGES.has(cmd)
          ? `; it may still complete or fail: 'wasmxdp status' shows the version each port runs (and 'wasmxdp map get' a map's contents)`
          : '';
        reject(new WasmxdpError('E_TIMEOUT', `the daemon at ${this.path} did not answer '${cmd}' within ${timeoutMs} ms${outcome}`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (x) => { clearTimeout(timer); resolve(x); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.sock.write(frame);
    });
    if (!r.ok) throw new WasmxdpError(r.error.code as ErrorCode, r.error.message);
    return r.result;
  }

  close(): void { this.sock.destroy(); }

  private fail(e: Error): void {
    this.closedWith ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

/** Connects, sends one request, closes. */
export async function requestOnce(path: string, cmd: CommandName, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> {
  const c = await ControlClient.connect(path);
  try {
    return await c.request(cmd, args, timeoutMs);
  } finally {
    c.close();
  }
}

/**
 * The uid that owns the socket's directory when nobody else can write it
 * (not group- or world-writable): a server of that uid put its socket where
 * only it could (a service user's RuntimeDirectory, /run/wasmxdp); null
 * otherwise, e.g. /tmp, where anyone could have.
 */
function exclusiveDirOwner(path: string): number | null {
  try {
    const st = fs.statSync(pathDirname(path));
    return st.mode & 0o022 ? null : st.uid;
  } catch {
    return null;
  }
}

/**
 * Refuses a server that is neither root, this user, nor the owner of a socket
 * directory only that owner can write: anyone else listening on the path (a
 * squatter in a directory they can write) would receive our modules and could
 * answer anything.
 */
function checkServer(sock: net.Socket, path: string): void {
  const me = process.getuid?.() ?? 0;
  let uid: number;
  let who: string;
  try {
    const peer = socketPeer(sock);
    uid = peer.uid;
    who = `pid ${peer.pid}, uid ${peer.uid}`;
  } catch (e) {
    if (!isWasmxdpError(e) || e.code !== 'E_NATIVE_UNAVAILABLE') throw e;
    // Without the addon, the socket file's owner is the next best witness.
    uid = fs.statSync(path).uid;
    who = `socket file owned by uid ${uid}`;
  }
  if (uid !== 0 && uid !== me && uid !== exclusiveDirOwner(path)) {
    throw new WasmxdpError('E_PERMISSION', `refusing to talk to ${path}: the process listening there is not root, you, or the owner of a socket directory only it can write (${who}); someone may have put a socket in the daemon's place. Use a socket in a directory only root or the daemon's user can write (e.g. /run/wasmxdp/) and check who created this one`);
  }
}

/**
 * A deploy or rollback: the daemon abandons it (E_TIMEOUT, nothing changed)
 * if its swap cannot begin within deadlineMs, and the client waits long
 * enough after that for the answer.
 */
export function requestChange(path: string, cmd: 'deploy' | 'rollback', args: Record<string, unknown>, deadlineMs = DEFAULT_DEPLOY_DEADLINE_MS): Promise<unknown> {
  return requestOnce(path, cmd, { ...args, deadlineMs }, deadlineMs + SWAP_GRACE_MS);
}

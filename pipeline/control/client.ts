// A control-plane client: one connection, requests answered in order. The
// CLI commands and the tests use it; an error response becomes a
// WasmxdpError with the daemon's code and message.

import net from 'node:net';
import { WasmxdpError, ErrorCode } from '../../host/errors.js';
import {
  CommandName, decodeBody, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_TENANT, encodeFrame, FrameDecoder, PROTOCOL_VERSION, Response,
} from './protocol.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
      sock.once('connect', () => resolve(new ControlClient(sock, path, tenant)));
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
        reject(new WasmxdpError('E_IO', `the daemon at ${this.path} did not answer '${cmd}' within ${timeoutMs} ms`));
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

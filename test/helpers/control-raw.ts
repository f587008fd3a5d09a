// Raw connections to a control socket, for tests that play a bad or hostile
// client: bytes in, decoded responses out, and whether the daemon closed it.
import net from 'node:net';
import { Packr } from 'msgpackr';
import { decodeBody, FrameDecoder } from '../../pipeline/control/protocol.js';

const packr = new Packr({ useRecords: false });

export function frame(body: Uint8Array): Buffer {
  const f = Buffer.alloc(4 + body.length);
  f.writeUInt32BE(body.length, 0);
  f.set(body, 4);
  return f;
}

/** A framed msgpack message, built without the client's checks. */
export const rawRequest = (m: unknown): Buffer => frame(packr.pack(m));

/** A raw connection: writes bytes, collects decoded responses, notes when the daemon closes it. */
export class RawConnection {
  readonly responses: Record<string, unknown>[] = [];
  closed = false;
  private readonly dec = new FrameDecoder();
  private readonly sock: net.Socket;
  private waiters: (() => void)[] = [];

  constructor(sockPath: string) {
    this.sock = net.connect(sockPath);
    this.sock.on('data', (d) => { for (const b of this.dec.push(d)) this.responses.push(decodeBody(b) as Record<string, unknown>); this.wake(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => {});
  }

  private wake(): void { const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }

  write(b: Uint8Array): void { if (!this.sock.destroyed) this.sock.write(b); }
  destroy(): void { this.sock.destroy(); }

  /** Resolves when `cond` holds or after timeoutMs (bounded wait). */
  until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const check = () => { if (cond()) { clearTimeout(timer); resolve(); } else this.waiters.push(check); };
      check();
    });
  }

  /** The first error response's message, or ''. */
  get error(): string {
    const r = this.responses.find((x) => x.ok === false) as { error?: { message: string } } | undefined;
    return r?.error?.message ?? '';
  }
}

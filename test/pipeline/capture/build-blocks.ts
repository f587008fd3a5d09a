// Hand-built pcapng blocks for reader tests: every block type, either byte
// order, and fields the writers never produce (power-of-two resolutions, simple
// and obsolete packet blocks, statistics, name resolution, custom blocks).
// Independent of pipeline/capture's writer on purpose, so a shared mistake in
// both directions cannot hide; tshark reads these too (see pcapng-reader.test).

export interface Opt { code: number; value: Uint8Array }

const utf8 = new TextEncoder();
const pad4 = (n: number): number => (n + 3) & ~3;

export const optText = (code: number, s: string): Opt => ({ code, value: utf8.encode(s) });
export const optU8 = (code: number, n: number): Opt => ({ code, value: Uint8Array.of(n) });
export function optU32(code: number, n: number, le: boolean): Opt {
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, n, le);
  return { code, value };
}
export function optI64(code: number, n: bigint, le: boolean): Opt {
  const value = new Uint8Array(8);
  new DataView(value.buffer).setBigInt64(0, n, le);
  return { code, value };
}

function options(opts: Opt[], le: boolean, endOfOpt = true): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(opts.reduce((n, o) => n + 4 + pad4(o.value.length), endOfOpt ? 4 : 0));
  const v = new DataView(out.buffer);
  let off = 0;
  for (const o of opts) {
    v.setUint16(off, o.code, le);
    v.setUint16(off + 2, o.value.length, le);
    out.set(o.value, off + 4);
    off += 4 + pad4(o.value.length);
  }
  return out;
}

/** A block around `body` (padded to 4); `total`/`trailing` override the length fields. */
export function block(type: number, body: Uint8Array, le: boolean, o: { total?: number; trailing?: number } = {}): Uint8Array {
  const total = 12 + pad4(body.length);
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, o.total ?? total, le);
  b.set(body, 8);
  v.setUint32(total - 4, o.trailing ?? total, le);
  return b;
}

function fixed(n: number, fill: (v: DataView) => void, rest: Uint8Array[] = []): Uint8Array {
  const head = new Uint8Array(n);
  fill(new DataView(head.buffer));
  return cat(head, ...rest);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

export function shb(le: boolean, opts: Opt[] = [], major = 1): Uint8Array {
  return block(0x0a0d0d0a, fixed(16, (v) => {
    v.setUint32(0, 0x1a2b3c4d, le);
    v.setUint16(4, major, le);
    v.setUint16(6, 0, le);
    v.setBigInt64(8, -1n, le);
  }, [options(opts, le)]), le);
}

export function idb(le: boolean, linkType = 1, snaplen = 0, opts: Opt[] = []): Uint8Array {
  return block(1, fixed(8, (v) => { v.setUint16(0, linkType, le); v.setUint32(4, snaplen, le); }, [options(opts, le)]), le);
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(pad4(data.length));
  out.set(data);
  return out;
}

export function epb(le: boolean, ifId: number, ticks: bigint, data: Uint8Array, origLen = data.length, opts: Opt[] = []): Uint8Array {
  return block(6, fixed(20, (v) => {
    v.setUint32(0, ifId, le);
    v.setUint32(4, Number(ticks >> 32n), le);
    v.setUint32(8, Number(ticks & 0xffffffffn), le);
    v.setUint32(12, data.length, le);
    v.setUint32(16, origLen, le);
  }, [padded(data), options(opts, le)]), le);
}

/** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
export function pb(le: boolean, ifId: number, ticks: bigint, data: Uint8Array, origLen = data.length, opts: Opt[] = []): Uint8Array {
  return block(2, fixed(20, (v) => {
    v.setUint16(0, ifId, le);
    v.setUint16(2, 0, le);
    v.setUint32(4, Number(ticks >> 32n), le);
    v.setUint32(8, Number(ticks & 0xffffffffn), le);
    v.setUint32(12, data.length, le);
    v.setUint32(16, origLen, le);
  }, [padded(data), options(opts, le)]), le);
}

export function spb(le: boolean, data: Uint8Array, origLen = data.length): Uint8Array {
  return block(3, fixed(4, (v) => v.setUint32(0, origLen, le), [padded(data)]), le);
}

/** Name Resolution Block with one IPv4 record and one IPv6 record. */
export function nrb(le: boolean): Uint8Array {
  const rec = (type: number, value: Uint8Array): Uint8Array =>
    cat(fixed(4, (v) => { v.setUint16(0, type, le); v.setUint16(2, value.length, le); }), padded(value));
  return block(4, cat(
    rec(1, cat(Uint8Array.of(10, 0, 0, 1), utf8.encode('gw.example.com\0'))),
    rec(2, cat(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1), utf8.encode('v6.example.com\0'))),
    new Uint8Array(4), // nrb_record_end
    options([optText(1, 'name resolution')], le),
  ), le);
}

/** Interface Statistics Block with isb_ifrecv and a comment. */
export function isb(le: boolean, ifId: number): Uint8Array {
  const recv = new Uint8Array(8);
  new DataView(recv.buffer).setBigUint64(0, 42n, le);
  return block(5, fixed(12, (v) => v.setUint32(0, ifId, le), [options([{ code: 4, value: recv }, optText(1, 'stats')], le)]), le);
}

/** Custom block (0x00000BAD copyable, 0x40000BAD not) with a Private Enterprise Number. */
export function custom(le: boolean, copyable: boolean, data: Uint8Array): Uint8Array {
  return block(copyable ? 0x00000bad : 0x40000bad, fixed(4, (v) => v.setUint32(0, 32473, le), [padded(data)]), le);
}

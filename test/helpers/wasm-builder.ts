// Synthetic guest modules of a chosen shape (many functions, many locals, deep
// nesting, big bodies), encoded directly as wasm bytes so building a 4 MiB
// hostile module takes milliseconds and needs no assembler. Each is a valid
// ABI v1 guest: it imports env.memory, exports wx_abi_version and a wx_batch
// that answers PASS for every descriptor.

export interface ModuleShape {
  /** Functions besides wx_batch (default 0). */
  functions?: number;
  /** i32 locals of each of those functions (default 0). */
  locals?: number;
  /** Nested `block`s in each of those functions (default 0). */
  depth?: number;
  /** Extra `nop`s in each of those functions' bodies, to make them big (default 0). */
  bodyPadding?: number;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function str(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...uleb(b.length), ...b];
}

/** A section: id, size, contents (contents given as chunks to avoid one huge spread). */
function section(parts: Uint8Array[], id: number, chunks: Uint8Array[]): void {
  const size = chunks.reduce((a, c) => a + c.length, 0);
  parts.push(Uint8Array.from([id, ...uleb(size)]));
  for (const c of chunks) parts.push(c);
}

// wx_batch(n): for i < n, verdict record i = {PASS, desc.addr, desc.len, 0}.
const BATCH_BODY = [
  0x01, 0x03, 0x7f, // 3 locals i32: i, r, d
  0x02, 0x40, 0x03, 0x40, // block loop
  0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, // br_if done (i >= n)
  0x41, 0x80, 0x02, 0x20, 0x01, 0x41, 0x04, 0x74, 0x6a, 0x21, 0x03, // d = 0x100 + (i << 4)
  0x41, 0x80, 0xc0, 0x00, 0x20, 0x01, 0x41, 0x04, 0x74, 0x6a, 0x21, 0x02, // r = 0x2000 + (i << 4)
  0x20, 0x02, 0x20, 0x03, 0x28, 0x02, 0x00, 0x36, 0x02, 0x04, // r.addr = d.addr
  0x20, 0x02, 0x20, 0x03, 0x28, 0x02, 0x04, 0x36, 0x02, 0x08, // r.len = d.len
  0x20, 0x02, 0x41, 0x00, 0x36, 0x02, 0x0c, // r.target = 0
  0x20, 0x02, 0x41, 0x02, 0x36, 0x02, 0x00, // r.action = PASS
  0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, // i++
  0x0c, 0x00, 0x0b, 0x0b, // br next; end loop; end block
  0x20, 0x00, 0x0b, // n
];

/** A guest module with the given shape. */
export function shapedModule(shape: ModuleShape = {}): Uint8Array {
  const n = shape.functions ?? 0;
  const locals = shape.locals ?? 0;
  const depth = shape.depth ?? 0;
  const pad = shape.bodyPadding ?? 0;
  const parts: Uint8Array[] = [Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])];
  // types: 0 = (i32) -> i32, 1 = () -> ()
  section(parts, 1, [Uint8Array.from([0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00])]);
  section(parts, 2, [Uint8Array.from([0x01, ...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(513)])]);
  const funcs = new Uint8Array(n + 1).fill(1);
  funcs[0] = 0;
  section(parts, 3, [Uint8Array.from(uleb(n + 1)), funcs]);
  section(parts, 6, [Uint8Array.from([0x01, 0x7f, 0x00, 0x41, 0x01, 0x0b])]);
  section(parts, 7, [Uint8Array.from([0x02, ...str('wx_batch'), 0x00, 0x00, ...str('wx_abi_version'), 0x03, 0x00])]);
  const localDecl = locals > 0 ? [0x01, ...uleb(locals), 0x7f] : [0x00];
  const body = new Uint8Array(localDecl.length + 3 * depth + pad + 1);
  body.set(localDecl, 0);
  let p = localDecl.length;
  for (let i = 0; i < depth; i++) { body[p++] = 0x02; body[p++] = 0x40; }
  body.fill(0x01, p, p + pad); p += pad;
  body.fill(0x0b, p, p + depth + 1);
  const filler = Uint8Array.from([...uleb(body.length), ...body]);
  const code: Uint8Array[] = [Uint8Array.from(uleb(n + 1)), Uint8Array.from([...uleb(BATCH_BODY.length), ...BATCH_BODY])];
  for (let i = 0; i < n; i++) code.push(filler);
  section(parts, 10, code);
  return Buffer.concat(parts);
}

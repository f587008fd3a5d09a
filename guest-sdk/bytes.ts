// Network byte order loads and stores. Packets are big-endian, wasm is
// little-endian: every header field goes through one of these. They do no
// bounds check; header views check once, then use these unchecked.

// @ts-ignore: decorator
@inline export function load16be(p: usize): u16 { return bswap<u16>(load<u16>(p)); }
// @ts-ignore: decorator
@inline export function load32be(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
// @ts-ignore: decorator
@inline export function load64be(p: usize): u64 { return bswap<u64>(load<u64>(p)); }
// @ts-ignore: decorator
@inline export function store16be(p: usize, v: u16): void { store<u16>(p, bswap<u16>(v)); }
// @ts-ignore: decorator
@inline export function store32be(p: usize, v: u32): void { store<u32>(p, bswap<u32>(v)); }
// @ts-ignore: decorator
@inline export function store64be(p: usize, v: u64): void { store<u64>(p, bswap<u64>(v)); }

/** A 48-bit MAC address as an integer (00:11:22:33:44:55 -> 0x001122334455). */
// @ts-ignore: decorator
@inline export function load48be(p: usize): u64 {
  return (<u64>load16be(p) << 32) | <u64>load32be(p + 2);
}
// @ts-ignore: decorator
@inline export function store48be(p: usize, v: u64): void {
  store16be(p, <u16>(v >> 32));
  store32be(p + 2, <u32>v);
}

/** Exchanges `n` bytes at `a` and `b` (n a multiple of 2; regions must not overlap). */
export function swapBytes(a: usize, b: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) {
    const t = load<u64>(a + i);
    store<u64>(a + i, load<u64>(b + i));
    store<u64>(b + i, t);
  }
  for (; i + 2 <= n; i += 2) {
    const t = load<u16>(a + i);
    store<u16>(a + i, load<u16>(b + i));
    store<u16>(b + i, t);
  }
}

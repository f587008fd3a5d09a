// The packet a handler sees. One instance per module, reset per descriptor.
// `data .. data+len` is the packet; the frame extends `headroom` bytes before
// and `tailroom` bytes after it, which is what adjustHead/adjustTail may use.

export class Packet {
  data: usize = 0;
  len: u32 = 0;
  port: u16 = 0;
  queue: u16 = 0;
  headroom: u32 = 0;
  tailroom: u32 = 0;

  reset(addr: u32, len: u32, port: u16, queue: u16, headroom: u16, tailroom: u16): void {
    this.data = <usize>addr;
    this.len = len;
    this.port = port;
    this.queue = queue;
    this.headroom = headroom;
    this.tailroom = tailroom;
  }

  // @ts-ignore: decorator
  @inline get end(): usize { return this.data + <usize>this.len; }

  /** True when `n` bytes starting at byte offset `off` lie inside the packet. */
  // @ts-ignore: decorator
  @inline has(off: u32, n: u32): bool {
    return <u64>off + <u64>n <= <u64>this.len;
  }

  /** Grows (delta < 0) or shrinks (delta > 0) the packet at its head. */
  adjustHead(delta: i32): bool {
    if (delta < 0) {
      const grow = <u32>(-delta);
      if (grow > this.headroom) return false;
      this.data -= grow; this.len += grow;
      this.headroom -= grow;
    } else {
      const cut = <u32>delta;
      if (cut > this.len) return false;
      this.data += cut; this.len -= cut;
      this.headroom += cut;
    }
    return true;
  }

  /** Grows (delta > 0) or shrinks (delta < 0) the packet at its tail. */
  adjustTail(delta: i32): bool {
    if (delta > 0) {
      const grow = <u32>delta;
      if (grow > this.tailroom) return false;
      this.len += grow; this.tailroom -= grow;
    } else {
      const cut = <u32>(-delta);
      if (cut > this.len) return false;
      this.len -= cut; this.tailroom += cut;
    }
    return true;
  }
}

// Moving a frame between the UMEM and a stage's own memory. Every sandbox
// memory has the frame area at the same offset, so a frame keeps its address:
// the stage's descriptors and verdicts need no translation, and a copy back
// lands in the frame's own UMEM slot. Buffers over whole memories let
// Buffer#copy and Buffer#compare work on ranges without allocating a view.

/** A Buffer over a whole memory (fixed-size memories never detach it). */
export function memoryBuffer(memory: WebAssembly.Memory): Buffer {
  return Buffer.from(memory.buffer);
}

/** Copies the packet bytes [addr, addr + len) from `from` to the same place in `to`. */
export function copyFrame(from: Buffer, to: Buffer, addr: number, len: number): void {
  from.copy(to, addr, addr, addr + len);
}

/**
 * True when the stage left the packet other than it got it: moved its head,
 * changed its length, or rewrote a byte. Comparing is a memcmp: cheaper than
 * writing the UMEM back when the stage only looked.
 */
export function rewritten(umem: Buffer, stage: Buffer, inAddr: number, inLen: number, outAddr: number, outLen: number): boolean {
  if (outAddr !== inAddr || outLen !== inLen) return true;
  return stage.compare(umem, inAddr, inAddr + inLen, inAddr, inAddr + inLen) !== 0;
}

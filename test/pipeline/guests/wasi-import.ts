// A handler that imports WASI's fd_write: the sandbox must refuse it at deploy.
import { Packet, Verdict, pass } from "wasmxdp";

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: i32, iovs: i32, iovsLen: i32, written: i32): i32;

export function handle(pkt: Packet): Verdict {
  if (pkt.len == 0) fd_write(1, 0, 0, 0);
  return pass();
}

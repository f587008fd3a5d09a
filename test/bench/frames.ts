// The frames the offline measurements run on: the bundled capture's mix
// (examples/captures/mix.pcapng) without its runts, and synthetic UDP frames
// of a chosen size for the size curve.
import { bundledFrames } from '../helpers/allocation.js';
import { eth, ipv4, udp } from '../helpers/packets.js';

/**
 * The capture's frames of at least 14 bytes: BPF_PROG_RUN refuses a frame
 * shorter than an Ethernet header, so the 24 runts are left out for all three
 * implementations alike (they cost next to nothing anywhere).
 */
export function mixFrames(): Uint8Array[] {
  return bundledFrames().filter((f) => f.length >= 14);
}

/** An IPv4 UDP frame to the echo port, `size` bytes on the wire (without FCS), valid checksums. */
export function udpFrameOfSize(size: number): Uint8Array {
  const payload = new Uint8Array(Math.max(0, size - 14 - 20 - 8)).map((_, i) => i & 0xff);
  return eth({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    ipv4({ src: '10.0.1.1', dst: '203.0.113.7' }, udp({ sport: 40000, dport: 7 }, payload)));
}

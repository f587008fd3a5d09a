// XDP programs on lab interfaces, as iproute2 reports them, and a foreign
// XDP program (not wasmxdp's) to attach where a test needs the interface busy.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FRAME_SIZE, FRAME_AREA_OFFSET, FRAME_AREA_SIZE, memoryPages } from '../../host/abi.js';
import { OPTIONS, type XdpMode } from '../../host/options.js';
import { loadNative } from '../../native/index.js';

/** The `xdp` record `ip -j link show` gives for dev in this process's namespace, if any. */
export function xdpOf(dev: string): { mode: number; prog?: { name: string; id?: number } } | undefined {
  const r = spawnSync('ip', ['-j', '-d', 'link', 'show', 'dev', dev], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip link show ${dev}: ${r.stderr}`);
  return JSON.parse(r.stdout)[0]?.xdp;
}

let foreignObj = '';

/** Path of a compiled XDP object whose program `foreign_pass` returns XDP_PASS. */
export function foreignProgram(): string {
  if (foreignObj) return foreignObj;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-foreign-'));
  fs.writeFileSync(path.join(dir, 'f.c'), '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n' +
    'SEC("xdp") int foreign_pass(struct xdp_md *ctx) { return XDP_PASS; }\nchar _license[] SEC("license") = "GPL";\n');
  const arch = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout.trim() || 'x86_64-linux-gnu';
  const r = spawnSync('clang', ['-O2', '-target', 'bpf', `-I/usr/include/${arch}`, '-c', path.join(dir, 'f.c'), '-o', path.join(dir, 'f.o')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang failed: ${r.stderr}`);
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (foreignObj = path.join(dir, 'f.o'));
}

/**
 * Builds native/bpf/wasmxdp_kern.c with extra -D flags (a test variant of the
 * project's XDP program) into a temporary object, removed at exit.
 */
export function buildSteeringVariant(defines: string[]): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-kern-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'wasmxdp_kern.o');
  const arch = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout.trim() || 'x86_64-linux-gnu';
  const r = spawnSync('clang', ['-O2', '-g', '-target', 'bpf', ...defines.map((d) => `-D${d}`), `-I/usr/include/${arch}`,
    `-I${path.join(root, 'abi/include')}`, '-c', path.join(root, 'native/bpf/wasmxdp_kern.c'), '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clang failed: ${r.stderr}`);
  return out;
}

/** addPort's options for the raw addon, which takes the XDP mode as its index in abi/contract.json's list. */
export function rawPortOptions(ifname: string, mode: XdpMode): { ifname: string; mode: number } {
  return { ifname, mode: OPTIONS.xdpMode.values.indexOf(mode) };
}

/** The raw addon port set over a fresh ABI memory, running the XDP object `bpfObject` instead of the project's. */
export function openWithProgram(bpfObject: string) {
  const pages = memoryPages(1);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return new (loadNative().XskSet)(new Uint8Array(memory.buffer), {
    umemOffset: FRAME_AREA_OFFSET, umemSize: FRAME_AREA_SIZE, frameSize: DEFAULT_FRAME_SIZE, fillSize: 8192, compSize: 8192, bpfObject,
  });
}

// The daemon's state directory ("stateDir" in the config): what an operator
// changed at run time, so a restart brings it back. Modules are stored by
// content (modules/<sha256>.wasm); each port has one JSON file with its
// version history and the map writes the operator made (the last write per
// key). Every file is written to a temporary name, fsynced, renamed over the
// old one and the directory fsynced: a crash leaves the old file or the new
// one, never half of one.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WasmxdpError } from '../../host/errors.js';

export const STATE_FORMAT = 1;

export interface StoredVersion {
  version: number;
  name: string;
  sha256: string;
  size: number;
  deployedAt: string;
  state: string;
  health: string;
  note: string | null;
  resetMaps: string[];
  maps: { name: string; kind: string; keySize: number; valueSize: number; maxEntries: number }[];
}

/** One operator write to a map, replayed in order on restore. */
export interface StoredMapWrite {
  op: 'set' | 'delete';
  map: string;
  key: string;
  value?: string;
  keySchema?: Record<string, string>;
  valueSchema?: Record<string, string>;
  queue?: number;
}

export interface PortState {
  format: typeof STATE_FORMAT;
  port: string;
  /** sha256 of the config's program when this state was written: a changed config wins over the state. */
  configSha256: string;
  nextVersion: number;
  chain: number[];
  versions: StoredVersion[];
  mapWrites: StoredMapWrite[];
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
}

export const sha256 = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

export class StateStore {
  private constructor(readonly dir: string) {}

  static open(dir: string): StateStore {
    try {
      fs.mkdirSync(path.join(dir, 'modules'), { recursive: true, mode: 0o700 });
      fs.mkdirSync(path.join(dir, 'ports'), { recursive: true, mode: 0o700 });
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (e) {
      throw new WasmxdpError('E_IO', `stateDir ${dir}: cannot use it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (create it, writable by the daemon's user)`);
    }
    return new StateStore(dir);
  }

  private portFile(port: string): string { return path.join(this.dir, 'ports', `${port}.json`); }
  private moduleFile(sha: string): string { return path.join(this.dir, 'modules', `${sha}.wasm`); }

  /** Stores a module under its sha256 (once); returns the hash. */
  putModule(bytes: Uint8Array): string {
    const sha = sha256(bytes);
    if (!fs.existsSync(this.moduleFile(sha))) writeAtomic(this.moduleFile(sha), bytes);
    return sha;
  }

  /** A stored module, checked against its name; E_IO when missing or altered. */
  getModule(sha: string): Uint8Array {
    let bytes: Uint8Array;
    try { bytes = new Uint8Array(fs.readFileSync(this.moduleFile(sha))); } catch (e) {
      throw new WasmxdpError('E_IO', `stateDir: module ${sha}.wasm is missing (${(e as NodeJS.ErrnoException).code})`);
    }
    if (sha256(bytes) !== sha) throw new WasmxdpError('E_IO', `stateDir: module ${sha}.wasm is corrupt (its content does not match its name)`);
    return bytes;
  }

  savePort(state: PortState): void {
    writeAtomic(this.portFile(state.port), `${JSON.stringify(state, null, 1)}\n`);
  }

  /** The port's saved state, null when there is none; E_IO naming the file when it is unreadable or corrupt. */
  loadPort(port: string): PortState | null {
    const file = this.portFile(port);
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new WasmxdpError('E_IO', `state file ${file}: cannot read it: ${(e as NodeJS.ErrnoException).code}`);
    }
    let s: PortState;
    try { s = JSON.parse(text) as PortState; } catch (e) {
      throw new WasmxdpError('E_IO', `state file ${file} is corrupt (${(e as Error).message}); move it away to start from the config`);
    }
    const ok = s && s.format === STATE_FORMAT && s.port === port && typeof s.configSha256 === 'string' && Number.isInteger(s.nextVersion)
      && Array.isArray(s.chain) && s.chain.every(Number.isInteger) && Array.isArray(s.versions) && Array.isArray(s.mapWrites)
      && s.versions.every((v) => v && Number.isInteger(v.version) && typeof v.sha256 === 'string' && typeof v.name === 'string' && Array.isArray(v.maps))
      && s.chain.every((c) => s.versions.some((v) => v.version === c));
    if (!ok) throw new WasmxdpError('E_IO', `state file ${file} is corrupt (not a format-${STATE_FORMAT} state of port ${port}); move it away to start from the config`);
    return s;
  }
}

/** Keeps the last write per (map, key, queue): replaying them gives the same contents. */
export function compactWrites(writes: StoredMapWrite[]): StoredMapWrite[] {
  const last = new Map<string, StoredMapWrite>();
  for (const w of writes) {
    const k = JSON.stringify([w.map, w.key, w.queue ?? null, w.keySchema ?? null]);
    last.delete(k);
    last.set(k, w);
  }
  return [...last.values()];
}

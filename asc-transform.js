// AssemblyScript compiler transform that turns a handler into a wasmxdp guest
// module; asconfig.json names it, so `wasmxdp build`, the host's compiler and
// a plain `npx asc handler.ts --config asconfig.json` build the same module.
//
// It sits beside asconfig.json because asc finds a transform named "./x.js"
// relative to the working directory only when x.js is next to the config
// (it drops the "./" of "./dir/x.js" and then looks for a package "dir").
//
// - It parses guest-sdk/ as the library "wasmxdp" before asc looks for
//   imports. asc 0.28 resolves a package import only to
//   node_modules/<name>/index.ts (it ignores package.json `ascMain`), which
//   would find the SDK neither in this repository nor in an installed
//   package.
// - After parsing it checks that the handler file exports `handle`, and adds
//   the entry module that exports the ABI (`wx_abi_version`, `wx_batch`) and
//   calls `handle` for each descriptor. The handler file itself stops being
//   an entry, so `handle` is not exported from the module.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guest-sdk');
const LIB_PREFIX = '~lib/wasmxdp/';
const ENTRY_NAME = '__wx_entry.ts';
// asc's SourceKind numbering (assemblyscript/src/ast.ts).
const USER = 0, USER_ENTRY = 1;

export const HANDLE_SIGNATURE = 'export function handle(pkt: Packet): Verdict';

/** The generated entry module for a handler whose asc path (no .ts) is `handlerPath`. */
export function entrySource(handlerModule) {
  return [
    `import { handle } from "./${handlerModule}";`,
    `import { packetAt, finish } from "wasmxdp/entry";`,
    `import { ABI_VERSION } from "wasmxdp/generated/abi";`,
    `export const wx_abi_version: i32 = ABI_VERSION;`,
    `export function wx_batch(n: i32): i32 {`,
    `  for (let i: u32 = 0; i < <u32>n; i++) {`,
    `    const pkt = packetAt(i);`,
    `    finish(i, pkt, handle(pkt));`,
    `  }`,
    `  return n;`,
    `}`,
    '',
  ].join('\n');
}

function exportsHandle(text) {
  return /\bexport\s+function\s+handle\s*[(<]/.test(text) || /\bexport\s*\{[^}]*\bhandle\b[^}]*\}/.test(text);
}

function fail(message) {
  const e = new Error(message);
  e.stack = message;
  return e;
}

export default class WasmxdpTransform {
  constructor() {
    // asc assigns `program` to the prototype before constructing transforms,
    // and parses nothing yet.
    const parser = this.program.parser;
    // guest-sdk/*.ts and the contract constants generated into guest-sdk/generated/.
    for (const sub of ['', 'generated/']) {
      for (const name of fs.readdirSync(path.join(SDK_DIR, sub)).sort()) {
        if (!name.endsWith('.ts') || name.endsWith('.d.ts')) continue;
        parser.parseFile(fs.readFileSync(path.join(SDK_DIR, sub, name), 'utf8'), LIB_PREFIX + sub + name, false);
      }
    }
    // `import ... from "wasmxdp"` asks for ~lib/wasmxdp itself.
    parser.parseFile('export * from "./wasmxdp/index";\n', '~lib/wasmxdp.ts', false);
  }

  afterParse(parser) {
    const entries = parser.sources.filter((s) => s.sourceKind === USER_ENTRY && !s.normalizedPath.startsWith('~lib/'));
    if (entries.some((s) => s.normalizedPath.endsWith(ENTRY_NAME))) return;
    if (entries.length !== 1) {
      throw fail(`wasmxdp: give asc exactly one handler file (got ${entries.length}: ${entries.map((s) => s.normalizedPath).join(', ') || 'none'})`);
    }
    const handler = entries[0];
    if (!exportsHandle(handler.text)) {
      throw fail(`${handler.normalizedPath} must export the packet handler:\n  ${HANDLE_SIGNATURE} { ... }`);
    }
    handler.sourceKind = USER;
    const dir = path.posix.dirname(handler.normalizedPath);
    const module = path.posix.basename(handler.normalizedPath).replace(/\.ts$/, '');
    parser.parseFile(entrySource(module), dir === '.' ? ENTRY_NAME : `${dir}/${ENTRY_NAME}`, true);
  }
}

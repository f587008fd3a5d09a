// The generated copies of the contract (npm run gen:abi) match abi/contract.json,
// and the generator refuses a contract whose parts contradict each other.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../../host/compile.js';

const test = suite('abi generated files');
type Files = Record<string, string>;
const gen = await import(pathToFileURL(path.join(PROJECT_ROOT, 'scripts/gen-abi.mjs')).href) as {
  generate(contract?: unknown): Files; staleFiles(files?: Files): string[]; CONTRACT_FILE: string;
};
const contract = () => JSON.parse(fs.readFileSync(gen.CONTRACT_FILE, 'utf8'));

test('every generated file is up to date (run npm run gen:abi after editing abi/contract.json)', () => {
  assert.equal(gen.staleFiles(), []);
});

test('a changed contract makes every generated copy stale', () => {
  const c = contract();
  c.limits.BATCH_CAPACITY = 128;
  assert.equal(gen.staleFiles(gen.generate(c)).sort(), ['abi/include/wasmxdp_abi.h', 'guest-sdk/generated/abi.ts', 'host/generated/abi.ts']);
  const w = contract();
  w.hostFunctions.imports[0].params[0][1] = 'u32';
  assert.equal(gen.staleFiles(gen.generate(w)), ['wit/wasmxdp.wit']);
});

test('the generator refuses contradictions: stat order, overlapping fields, regions out of order', () => {
  const swapped = contract();
  [swapped.bpf.stats[1], swapped.bpf.stats[2]] = [swapped.bpf.stats[2], swapped.bpf.stats[1]];
  assert.throws(() => gen.generate(swapped), /bpf\.stats\[1\] must be the XDP action numbered 1/);
  const overlap = contract();
  overlap.descriptor.fields[1].offset = 2;
  assert.throws(() => gen.generate(overlap), /DESC_LEN overlaps/);
  const regions = contract();
  regions.memory.MAPS_OFFSET = '0x1000000';
  assert.throws(() => gen.generate(regions), /memory regions must follow each other/);
});

test('the same numbers reach TypeScript, AssemblyScript and C', () => {
  const files = gen.generate();
  const c = contract();
  for (const [name, v] of [['BATCH_CAPACITY', c.limits.BATCH_CAPACITY], ['MAX_QUEUE', c.limits.MAX_QUEUE], ['DESC_TAILROOM', 14], ['BPF_STAT_NO_SOCKET', c.bpf.stats.findIndex((s: { name: string }) => s.name === 'NO_SOCKET')]] as const) {
    assert.match(files['host/generated/abi.ts'], new RegExp(`export const ${name} = ${v};`));
    assert.match(files['abi/include/wasmxdp_abi.h'], new RegExp(`#define WX_${name} ${v}\\b`));
    if (!name.startsWith('BPF_')) assert.match(files['guest-sdk/generated/abi.ts'], new RegExp(`export const ${name}: \\w+ = ${v};`));
  }
});

test.run();

// host/options.ts is the one table of defaults and ranges: the run CLI (its
// parsing and --help), the daemon's config, tenant quotas and the Sandbox all
// accept exactly its range. Before it, --fuel stopped at 1,000,000 while the
// config took up to 8,388,607.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { choiceText, OPTIONS, rangeText } from '../../host/options.js';
import { Sandbox } from '../../host/sandbox.js';
import { loadModule } from '../../host/load.js';
import { parseCommand } from '../../pipeline/cli/args.js';
import { programOptions, RUN_HELP } from '../../pipeline/cli/commands/run.js';
import { validateConfig } from '../../pipeline/control/config.js';
import { DEFAULT_QUOTA } from '../../pipeline/tenants/config.js';
import { wat } from './fixtures.js';

const test = suite('host/options');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-options-'));
fs.writeFileSync(path.join(tmp, 'h.wasm'), new Uint8Array(8));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (...argv: string[]) => programOptions(parseCommand('run', ['h.wasm', ...argv], {
  'heap-pages': { type: 'string' }, fuel: { type: 'string' }, fail: { type: 'string' },
}, { min: 1, max: 1 }));
const config = (program: Record<string, unknown>) => validateConfig({ ports: [{ name: 'edge', iface: 'eth1', program: { path: 'h.wasm', ...program } }] }, tmp).ports[0].program;

function refusedBy(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => pattern.test(e.message), pattern.source);
}

test('fuel: the CLI, the config, a tenant quota and the Sandbox take the same range', () => {
  const { min, max } = OPTIONS.fuelPerPacket;
  assert.is(max, 8_388_607, 'the most a full batch of 256 fits in an i32');
  assert.is(cli('--fuel', String(max)).fuelPerPacket, max);
  assert.is(config({ fuelPerPacket: max }).fuelPerPacket, max);
  refusedBy(() => cli('--fuel', String(max + 1)), new RegExp(`--fuel must be a number ${rangeText(OPTIONS.fuelPerPacket)}`));
  refusedBy(() => cli('--fuel', String(min - 1)), /--fuel must be a number from 1/);
  refusedBy(() => config({ fuelPerPacket: max + 1 }), new RegExp(`fuelPerPacket: must be an integer ${rangeText(OPTIONS.fuelPerPacket)}`));
  assert.is(DEFAULT_QUOTA.fuelPerPacket, OPTIONS.fuelPerPacket.default);
  const loaded = loadModule(wat('pass'));
  assert.is(new Sandbox(loaded, { fuelPerPacket: max }).fuelPerPacket, max);
  refusedBy(() => new Sandbox(loaded, { fuelPerPacket: max + 1 }), /fuelPerPacket must be an integer from 1 to 8388607/);
  assert.is(new Sandbox(loaded).fuelPerPacket, OPTIONS.fuelPerPacket.default);
});

test('heap pages and fail verdict: same range and choices on the CLI and in the config', () => {
  assert.is(cli('--heap-pages', String(OPTIONS.heapPages.max)).heapPages, OPTIONS.heapPages.max);
  assert.is(config({ heapPages: OPTIONS.heapPages.max }).heapPages, OPTIONS.heapPages.max);
  refusedBy(() => cli('--heap-pages', String(OPTIONS.heapPages.max + 1)), /--heap-pages must be a number from 1 to 1024/);
  refusedBy(() => config({ heapPages: OPTIONS.heapPages.max + 1 }), /heapPages: must be an integer from 1 to 1024/);
  for (const v of OPTIONS.failVerdict.values) {
    assert.is(cli('--fail', v).failVerdict, v);
    assert.is(config({ failVerdict: v }).failVerdict, v);
  }
  refusedBy(() => cli('--fail', 'reject'), /--fail must be one of aborted, drop, pass, got 'reject'/);
  refusedBy(() => config({ failVerdict: 'reject' }), /failVerdict: must be one of aborted, drop, pass/);
});

test('the config and `wasmxdp run --help` give the table\'s defaults (the XDP mode is skb)', () => {
  const port = validateConfig({ ports: [{ name: 'edge', iface: 'eth1', program: 'h.wasm' }] }, tmp).ports[0];
  assert.is(port.mode, OPTIONS.xdpMode.default);
  assert.is(port.mode, 'skb');
  assert.is(port.queue, OPTIONS.queue.default);
  assert.is(port.frameSize, OPTIONS.frameSize.default);
  const line = (flag: string) => RUN_HELP.split('\n').find((l) => l.trimStart().startsWith(flag)) ?? '';
  assert.match(line('--mode'), '(default skb)');
  assert.match(line('--fuel'), `${rangeText(OPTIONS.fuelPerPacket)} (default ${OPTIONS.fuelPerPacket.default})`);
  assert.match(line('--heap-pages'), `${rangeText(OPTIONS.heapPages)} (default ${OPTIONS.heapPages.default})`);
  assert.match(line('--fail'), `${choiceText(OPTIONS.failVerdict)} (default aborted)`);
  assert.match(line('--queue'), 'from 0 to 63');
});

test.run();

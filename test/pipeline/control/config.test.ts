// pipeline.json validation: every mistake names the offending key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, validateConfig } from '../../../pipeline/control/config.js';
import { wasmxdp } from '../../helpers/cli.js';

const test = suite('daemon config');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-cfg-'));
fs.writeFileSync(path.join(tmp, 'h.wasm'), new Uint8Array(8));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const port = (extra: Record<string, unknown> = {}, program: Record<string, unknown> = {}) =>
  ({ name: 'edge', iface: 'eth1', program: { path: 'h.wasm', ...program }, ...extra });

function refused(raw: unknown, pattern: RegExp): void {
  try {
    validateConfig(raw, tmp);
  } catch (e) {
    assert.is((e as { code?: string }).code, 'E_CONFIG');
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

test('a minimal config gets the defaults; relative paths resolve against the config directory', () => {
  const c = validateConfig({ ports: [port()] }, tmp);
  assert.is(c.ports[0].program.path, path.join(tmp, 'h.wasm'));
  assert.equal(c.ports[0].ifaces, ['eth1']);
  assert.is(c.ports[0].queue, 0);
  assert.is(c.ports[0].mode, 'skb');
  assert.is(c.ports[0].owner, 'default');
  assert.equal(c.ports[0].program.health, { packets: 100, ms: 1000 });
  assert.is(c.readTimeoutMs, 5000);
  assert.equal([c.maxConnections, c.messageDeadlineMs, c.idleTimeoutMs, c.maxBufferedBytes, c.historyDepth, c.deployDeadlineMs], [64, 10_000, 120_000, 64 * 1024 * 1024, 3, 60_000]);
});

test('every option is checked and the error names its key', () => {
  refused({ ports: [port(), port({ name: 'b', iface: 'eth2' }, { fuelPerPacket: 0 })] }, /^ports\[1\]\.program\.fuelPerPacket: must be an integer from 1 to \d+, got 0$/);
  refused({ ports: [port({}, { heapPages: 5000 })] }, /^ports\[0\]\.program\.heapPages: must be an integer from 1 to 1024, got 5000/);
  refused({ ports: [port({}, { failVerdict: 'reject' })] }, /^ports\[0\]\.program\.failVerdict: must be one of aborted, drop, pass, got "reject"/);
  refused({ ports: [port({}, { metering: 'yes' })] }, /^ports\[0\]\.program\.metering: must be true or false/);
  refused({ ports: [port({}, { health: { packets: -1 } })] }, /^ports\[0\]\.program\.health\.packets: must be an integer from 0/);
  refused({ ports: [port({}, { health: { secs: 1 } })] }, /^ports\[0\]\.program\.health\.secs: unknown key; expected one of packets, ms/);
  refused({ ports: [port({}, { path: 'missing.wasm' })] }, /^ports\[0\]\.program\.path: .*missing\.wasm does not exist/);
  refused({ ports: [port({ queue: 'some' })] }, /^ports\[0\]\.queue: must be an integer from 0 to 63, got "some"/);
  refused({ ports: [port({ mode: 'hw' })] }, /^ports\[0\]\.mode: must be one of skb, drv/);
  refused({ ports: [port({ frameSize: 1500 })] }, /^ports\[0\]\.frameSize: must be 2048 or 4096/);
  refused({ ports: [port({ iface: 'a-very-long-interface-name' })] }, /^ports\[0\]\.iface: must be an interface name/);
  refused({ ports: [port({ iface: undefined })] }, /^ports\[0\]\.iface: is required \(or ifaces\)/);
  refused({ ports: [port({ ifaces: ['eth1', 7], iface: undefined })] }, /^ports\[0\]\.ifaces\[1\]: must be an interface name/);
  refused({ ports: [port({ owner: 'acme' })] }, /^ports\[0\]\.owner: only the tenant 'default' exists/);
  refused({ ports: [port({ colour: 'red' })] }, /^ports\[0\]\.colour: unknown key/);
  refused({ ports: [port({ name: 'bad name' })] }, /^ports\[0\]\.name: must be 1-64 letters/);
  refused({ ports: [port(), port({ iface: 'eth2' })] }, /^ports\[1\]\.name: 'edge' is used by an earlier port/);
  refused({ ports: [port(), port({ name: 'b' })] }, /^ports\[1\]\.ifaces: eth1 is already used by port 'edge'/);
  refused({ ports: [] }, /^ports: must be a non-empty array/);
  refused({ ports: [port()], readTimeoutMs: 1 }, /^readTimeoutMs: must be an integer from 10/);
  refused({ ports: [port()], sockets: 'x' }, /^sockets: unknown key/);
  refused({ ports: [port()], historyDepth: 0 }, /^historyDepth: must be an integer from 1 to 64, got 0/);
  refused({ ports: [port()], maxConnections: 0 }, /^maxConnections: must be an integer from 1/);
  refused([1], /must be an object/);
});

test('loadConfig names the file; wasmxdp serve reports the key in one line', () => {
  const file = path.join(tmp, 'pipeline.json');
  fs.writeFileSync(file, JSON.stringify({ ports: [port({}, { fuelPerPacket: 1.5 })] }));
  assert.throws(() => loadConfig(file), (e: Error) => e.message === `${file}: ports[0].program.fuelPerPacket: must be an integer from 1 to 8388607, got 1.5`);
  fs.writeFileSync(path.join(tmp, 'broken.json'), '{ "ports": [');
  assert.throws(() => loadConfig(path.join(tmp, 'broken.json')), /broken\.json is not valid JSON/);
  const r = wasmxdp(['serve', '--config', file, '--socket', path.join(tmp, 's.sock')]);
  assert.is(r.status, 1);
  assert.is(r.stderr.trim(), `wasmxdp serve: ${file}: ports[0].program.fuelPerPacket: must be an integer from 1 to 8388607, got 1.5`);
});

test('a port that cannot attach is named by its config entry', () => {
  const file = path.join(tmp, 'noif.json');
  fs.writeFileSync(file, JSON.stringify({ ports: [port({ iface: 'wxnosuch0' })] }));
  const r = wasmxdp(['serve', '--config', file, '--socket', path.join(tmp, 'n.sock')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^wasmxdp serve: ports\[0\] \(edge\): .*wxnosuch0/);
  assert.not.ok(fs.existsSync(path.join(tmp, 'n.sock')), 'no socket left behind');
});

test.run();

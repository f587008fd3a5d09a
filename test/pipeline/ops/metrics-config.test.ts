// The config's "metrics" and "stateDir" keys: accepted forms, and errors that
// name the key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../../pipeline/control/config.js';
import { parseListen, parseMetricsConfig } from '../../../pipeline/ops/metrics-config.js';

test('listen: IPv4, [IPv6], localhost; port 0 means any free port', () => {
  assert.equal(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  assert.equal(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.equal(parseListen('localhost:9100'), { host: 'localhost', port: 9100 });
  assert.is(parseMetricsConfig(undefined), undefined);
});

for (const [v, msg] of [
  [{ listen: '9464' }, /metrics\.listen: must be "address:port"/],
  [{ listen: '127.0.0.1:70000' }, /port must be 0-65535/],
  [{ listen: 'example.com:9464' }, /give an IP address/],
  [{ listen: '[zz]:1' }, /must be "address:port"/],
  [{ port: 9464 }, /metrics\.port: unknown key; expected listen/],
  [{}, /metrics\.listen: is required/],
  ['127.0.0.1:9464', /metrics: must be an object/],
] as const) {
  test(`refused: ${JSON.stringify(v)}`, () => {
    assert.throws(() => parseMetricsConfig(v), msg);
  });
}

test('validateConfig carries metrics and resolves stateDir against the config directory', () => {
  const c = validateConfig({ metrics: { listen: '127.0.0.1:0' }, stateDir: 'state', ports: [{ name: 'e', iface: 'lo', program: { path: '/' } }] }, '/etc/wasmxdp');
  assert.equal(c.metrics, { host: '127.0.0.1', port: 0 });
  assert.is(c.stateDir, '/etc/wasmxdp/state');
  assert.throws(() => validateConfig({ stateDir: '', ports: [{ name: 'e', iface: 'lo', program: { path: '.' } }] }, '/'), /stateDir: must be a non-empty string/);
});

test.run();

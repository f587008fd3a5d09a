// The daemon's log lines: timestamped, levelled, text or one JSON object per
// line, filtered by level; serve refuses unknown formats and levels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Logger, levelOf } from '../../../pipeline/ops/log.js';
import { wasmxdp } from '../../helpers/cli.js';

const at = () => new Date('2026-01-02T03:04:05.678Z');

test('text: ISO time, level, message, then key=value fields (quoted when needed)', () => {
  const out: string[] = [];
  const log = new Logger('text', 'info', (l) => out.push(l), at);
  log.warn('deploy by tenant default on port edge: refused', { port: 'edge', reason: 'map hits changed', ok: false, skipped: undefined });
  assert.equal(out, ['2026-01-02T03:04:05.678Z WARN  deploy by tenant default on port edge: refused  port=edge reason="map hits changed" ok=false\n']);
});

test('json: one object per line; time, level and msg cannot be overwritten by fields', () => {
  const out: string[] = [];
  const log = new Logger('json', 'info', (l) => out.push(l), at);
  log.info('deployed', { audit: true, event: 'deploy', tenant: 'acme', version: 3, msg: 'spoofed', level: 'debug', resetMaps: ['a', 'b'] });
  assert.is(out.length, 1);
  assert.ok(out[0].endsWith('\n') && !out[0].slice(0, -1).includes('\n'));
  const o = JSON.parse(out[0]);
  assert.equal(o, { audit: true, event: 'deploy', tenant: 'acme', version: 3, msg: 'deployed', level: 'info', resetMaps: ['a', 'b'], time: '2026-01-02T03:04:05.678Z' });
});

test('a message with a newline stays one JSON line', () => {
  const out: string[] = [];
  new Logger('json', 'info', (l) => out.push(l), at).error('a\nb');
  assert.is(out[0].split('\n').length, 2);
  assert.is(JSON.parse(out[0]).msg, 'a\nb');
});

test('levels below the minimum are dropped', () => {
  const out: string[] = [];
  const log = new Logger('text', 'warn', (l) => out.push(l), at);
  log.debug('d'); log.info('i'); log.warn('w'); log.error('e');
  assert.equal(out.map((l) => l.split(' ')[1]), ['WARN', 'ERROR']);
});

test('levelOf: guest lines keep their level, traps warn, quarantines and automatic rollbacks are errors', () => {
  assert.is(levelOf('port edge queue 0: [fw] warn: rate limit hit'), 'warn');
  assert.is(levelOf('port edge queue 0: [fw] debug: x'), 'debug');
  assert.is(levelOf('port edge queue 0: [fw] trap (unreachable): RuntimeError: unreachable'), 'warn');
  assert.is(levelOf('port edge queue 0: [fw] quarantined: 51 traps in 37ms'), 'error');
  assert.is(levelOf('port edge: queue 0: rolled back to v1: v2 trapped 1 time(s)'), 'error');
  assert.is(levelOf('port edge: deployed v2 (fw)'), 'info');
});

test('serve refuses an unknown --log-format or --log-level before doing anything', () => {
  const a = wasmxdp(['serve', '--config', '/nonexistent.json', '--log-format', 'xml']);
  assert.is(a.status, 2);
  assert.match(a.stderr, /--log-format must be text or json, got 'xml'/);
  const b = wasmxdp(['serve', '--config', '/nonexistent.json', '--log-level', 'loud']);
  assert.is(b.status, 2);
  assert.match(b.stderr, /--log-level must be one of debug, info, warn, error, got 'loud'/);
});

test.run();

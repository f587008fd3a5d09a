import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAPS_OFFSET, MAPS_SIZE } from '../../../host/maps/layout.js';
import { MapsRegion } from '../../../host/maps/region.js';
import { decodeFields, encodeFields, fromHex, ipKey, parseBytesArg, parseFieldList, schemaSize, toHex } from '../../../host/maps/schema.js';

const test = suite('host/maps/schema');

test('fields are packed in order, numbers little-endian unless be*', () => {
  const schema = { src: 'ipv4', port: 'be16', n: 'u32', big: 'u64', mac: 'mac' } as const;
  assert.is(schemaSize(schema), 4 + 2 + 4 + 8 + 6);
  const b = encodeFields(schema, { src: '10.0.0.1', port: 53, n: '0x01020304', big: 2n ** 40n, mac: '02:00:00:00:00:0a' });
  assert.is(toHex(b), '0a000001' + '0035' + '04030201' + '0000000000010000' + '02000000000a');
  assert.equal(decodeFields(schema, b), { src: '10.0.0.1', port: 53, n: 0x01020304, big: 2n ** 40n, mac: '02:00:00:00:00:0a' });
});

test('ip fields map IPv4 into ::ffff:0:0/96 and decode both families back', () => {
  assert.is(toHex(ipKey('192.0.2.7')), '00000000000000000000ffffc0000207');
  assert.is(toHex(ipKey('2001:db8::1')), '20010db8000000000000000000000001');
  const schema = { a: 'ip', b: 'ip', c: 'ipv6' } as const;
  const fields = { a: '192.0.2.7', b: '2001:db8::1:0:0:1', c: '::ffff:1.2.3.4' };
  const out = decodeFields(schema, encodeFields(schema, fields));
  assert.equal(out, { a: '192.0.2.7', b: '2001:db8::1:0:0:1', c: '::ffff:102:304' });
  assert.is(decodeFields({ c: 'ipv6' }, ipKey('::')).c, '::');
});

test('signed, bytesN, padding up to the map size', () => {
  const b = encodeFields({ d: 'i32', raw: 'bytes3' }, { d: -2, raw: 'a1b2c3' }, 12);
  assert.is(toHex(b), 'feffffff' + 'a1b2c3' + '0000000000');
  assert.equal(decodeFields({ d: 'i32', raw: 'bytes3' }, b), { d: -2, raw: 'a1b2c3' });
});

test('bad input is refused with the field named', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => encodeFields({ p: 'u16' }, { p: 70000 }), /field 'p' \(u16\): 70000 is out of range 0..65535/],
    [() => encodeFields({ p: 'u16' }, {}), /field 'p' \(u16\) is missing/],
    [() => encodeFields({ p: 'u16' }, { p: 1, q: 2 }), /unknown field 'q'/],
    [() => encodeFields({ a: 'ipv4' }, { a: '1.2.3' }), /not an IPv4 address/],
    [() => encodeFields({ a: 'ipv6' }, { a: '1::2::3' }), /not an IPv6 address/],
    [() => encodeFields({ a: 'u8' }, { a: 'x' }), /not an integer/],
    [() => encodeFields({ a: 'u64' }, { a: 1 }, 4), /needs 8 bytes, the map has 4/],
    [() => encodeFields({ a: 'float' as never }, { a: 1 }), /unknown field type 'float'/],
    [() => fromHex('abc'), /not hex bytes/],
  ];
  for (const [fn, re] of bad) {
    try { fn(); assert.unreachable(String(re)); } catch (e) { assert.match((e as Error).message, re); }
  }
});

test('hex and name=value parsing for the CLI', () => {
  assert.equal(fromHex('0x0A:00-00_01'), Uint8Array.from([10, 0, 0, 1]));
  assert.equal(parseFieldList('src=10.0.0.1, port=53'), { src: '10.0.0.1', port: '53' });
  assert.equal(parseBytesArg('0a000001', 4), Uint8Array.from([10, 0, 0, 1]));
  assert.equal(parseBytesArg('src=10.0.0.1,port=53', 8, { src: 'ipv4', port: 'be16' }), Uint8Array.from([10, 0, 0, 1, 0, 53, 0, 0]));
  try { parseBytesArg('0a00', 4); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /is 2 bytes, the map needs 4/); }
  try { parseBytesArg('a=1', 4); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /no field schema/); }
});

test('a typed map reads and writes fields', () => {
  const region = new MapsRegion(new Uint8Array(MAPS_OFFSET + MAPS_SIZE));
  const m = region.declare('buckets', 'lru_hash', 16, 16, 8).typed({ src: 'ip' }, { tokens: 'u64', last: 'u64' });
  m.update({ src: '10.0.0.1' }, { tokens: 5, last: 1000 });
  m.update({ src: '2001:db8::9' }, { tokens: 7, last: 2000 });
  assert.equal(m.lookup({ src: '10.0.0.1' }), { tokens: 5n, last: 1000n });
  assert.equal([...m.entries()].map(([k]) => k.src).sort(), ['10.0.0.1', '2001:db8::9']);
  assert.ok(m.delete({ src: '10.0.0.1' }));
  assert.is(m.lookup({ src: '10.0.0.1' }), undefined);
  try { region.get('buckets').typed({ a: 'bytes17' }, {}); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /key schema needs 17 bytes/); }
});

test.run();

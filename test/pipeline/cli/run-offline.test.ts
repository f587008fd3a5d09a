import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../../helpers/tools.js';
import { openCapture } from '../../../pipeline/capture/index.js';
import { BUNDLED_CAPTURE, ROOT, tsharkFields, wasmxdp } from '../../helpers/cli.js';

const test = suite('wasmxdp run --pcap');
const withTsharkTcpdump = needing(test, 'tshark', 'tcpdump');
const withTshark = needing(test, 'tshark');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-cli-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const inputCount = [...openCapture(BUNDLED_CAPTURE)].length;

test('the firewall over the bundled capture: a verdict for every packet, the table and --json agree', () => {
  const json = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE, '--json']);
  assert.is(json.status, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  const v = r.verdicts;
  assert.is(r.packets, inputCount);
  assert.is(v.drop + v.pass + v.tx + v.redirect + v.aborted, inputCount);
  assert.ok(v.drop > 0 && v.pass > 0, 'the demo rules both drop and pass traffic in the bundled capture');
  assert.is(r.traps, 0);
  const table = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE]);
  assert.is(table.status, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`drop\\s+${v.drop}\\s`));
  assert.match(table.stdout, new RegExp(`pass\\s+${v.pass}\\s`));
});

test('npm start prints the verdict table', () => {
  const r = spawnSync('npm', ['start', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /firewall on mix\.pcapng: \d+ packets/);
  assert.match(r.stdout, /verdict\s+packets\s+share/);
});

withTsharkTcpdump('--out writes every frame with its verdict as a comment tshark and tcpdump read', () => {
  const out = path.join(tmp, 'fw.pcapng');
  const r = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE, '--out', out, '--json']);
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const comments = tsharkFields(out, ['frame.comment']).map((f) => f[0]);
  assert.is(comments.length, inputCount);
  const dropped = comments.filter((c) => c === 'wasmxdp verdict=drop').length;
  const passed = comments.filter((c) => c === 'wasmxdp verdict=pass').length;
  assert.is(dropped, summary.verdicts.drop);
  assert.is(passed, summary.verdicts.pass);
  const td = spawnSync('tcpdump', ['-r', out, '-nn'], { encoding: 'utf8' });
  assert.is(td.status, 0, td.stderr);
  assert.is(td.stdout.trim().split('\n').length, inputCount);
});

withTshark('the udp-reflector answers every well-formed echo request with swapped addresses and valid checksums', () => {
  const out = path.join(tmp, 'echo.pcapng');
  const r = wasmxdp(['run', 'examples/udp-reflector', '--pcap', BUNDLED_CAPTURE, '--out', out, '--json']);
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  // tshark checksum status: 0 bad, 1 good, 2 not checked.
  // The generator labels every frame of the bundled capture (kind=...), so
  // tshark's view of the input says which frames are well-formed echo requests.
  const input = tsharkFields(BUNDLED_CAPTURE, ['frame.comment', 'udp.dstport', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'eth.src', 'eth.dst']);
  const output = tsharkFields(out,
    ['frame.comment', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'eth.src', 'eth.dst', 'ip.checksum.status', 'udp.checksum.status'],
    ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE']);
  assert.is(output.length, input.length);
  const wellFormedEcho = (i: number) => input[i][1] === '7' && !/kind=(bad|.*frag)/.test(input[i][0]);
  let answered = 0;
  output.forEach((f, i) => {
    const [comment, src4, dst4, src6, dst6, sport, esrc, edst, ipStatus, udpStatus] = f;
    const [, , qsrc4, qdst4, qsrc6, qdst6, qesrc, qedst] = input[i];
    assert.is(comment === 'wasmxdp verdict=tx', wellFormedEcho(i), `frame ${i + 1} (${input[i][0]}): ${comment}`);
    if (comment !== 'wasmxdp verdict=tx') return;
    answered++;
    assert.is(sport, '7');
    assert.is(src4, qdst4); assert.is(dst4, qsrc4);
    assert.is(src6, qdst6); assert.is(dst6, qsrc6);
    assert.is(esrc, qedst); assert.is(edst, qesrc);
    if (src4) assert.is(ipStatus, '1', `frame ${i + 1}: IPv4 header checksum good`);
    assert.is(udpStatus, '1', `frame ${i + 1}: UDP checksum good`);
  });
  assert.ok(answered > 100, `the bundled capture has echo requests (${answered})`);
  assert.is(answered, summary.verdicts.tx);
  const only = path.join(tmp, 'only-tx.pcapng');
  assert.is(wasmxdp(['run', 'examples/udp-reflector', '--pcap', BUNDLED_CAPTURE, '--out', only, '--only', 'tx']).status, 0);
  assert.is(tsharkFields(only, ['frame.comment']).length, answered);
});

test('run --help states the defaults the code uses (--mode skb) and both --out formats', () => {
  const r = wasmxdp(['run', '--help']);
  assert.is(r.status, 0);
  assert.match(r.stdout, /--mode <skb\|drv> +XDP attach mode: skb \(generic, works on every interface\) or drv \(native, needs driver support\) \(default skb\)/);
  assert.not.match(r.stdout, /default: drv/);
  assert.match(r.stdout, /--out <file> +\.pcapng \(frames \+ verdict comments\) or \.pcap \(frames only\)/);
});

test('a user mistake prints one line and exits non-zero', () => {
  const cases: [string[], RegExp][] = [
    [['run', 'examples/firewall'], /give either --pcap <capture> or --iface <ifname>/],
    [['run', 'examples/firewall', '--pcap', path.join(tmp, 'missing.pcap')], /missing\.pcap/],
    [['run', 'examples/nope', '--pcap', BUNDLED_CAPTURE], /examples\/nope: no such file/],
    [['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE, '--out', path.join(tmp, 'x.txt')], /name the output file \.pcapng .* or \.pcap/],
    [['run', 'examples/firewall', '--pcap', '/dev/zero'], /\/dev\/zero: file at offset 0 starts with 00 00 00 00.*not a capture file/],
    [['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE, '--fail', 'maybe'], /--fail must be one of aborted, drop, pass/],
    [['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE, '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, msg] of cases) {
    const r = wasmxdp(args);
    assert.ok(r.status !== 0, `${args.join(' ')} exits non-zero`);
    assert.match(r.stderr, msg);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.not.match(r.stderr, /    at /, 'no stack trace');
  }
});

test.run();

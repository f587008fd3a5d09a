// What `wasmxdp run --pcap` reports beyond the verdict counts, and the captures
// it used to refuse: a capture cut mid-record, classic pcap output, timestamps
// before 1970, the handler's counters and maps, warm handler time.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openCapture } from '../../../pipeline/capture/index.js';
import { formatVerdictTable, type RunReport } from '../../../pipeline/cli/verdict-table.js';
import { Progress } from '../../../pipeline/offline/progress.js';
import { BUNDLED_CAPTURE, wasmxdp } from '../../helpers/cli.js';
import { cat, epb, idb, optI64, shb } from '../capture/build-blocks.js';
import { haveTool, tcpdumpCount, tsharkFields } from '../capture/tools.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';

const test = suite('wasmxdp run --pcap: report and output');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-report-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const inputCount = [...openCapture(BUNDLED_CAPTURE)].length;
const tshark = haveTool('tshark', 'tshark');
const tcpdump = haveTool('tcpdump', 'tcpdump');

function runJson(args: string[]): { report: RunReport; stderr: string } {
  const r = wasmxdp(['run', ...args, '--json']);
  assert.is(r.status, 0, r.stderr);
  return { report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
}

test('a capture cut mid-record is read up to the cut with a warning; tshark counts the same frames', () => {
  const bytes = fs.readFileSync(BUNDLED_CAPTURE);
  const cut = path.join(tmp, 'cut.pcapng');
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 3));
  const text = wasmxdp(['run', 'examples/firewall', '--pcap', cut]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stderr, /^wasmxdp run: warning: .*cut\.pcapng: .* at offset \d+ claims \d+ bytes, beyond the end of the file .*; the packets before it were run\n$/);
  const { report } = runJson(['examples/firewall', '--pcap', cut]);
  assert.ok(report.packets > 0 && report.packets < inputCount, `${report.packets} of ${inputCount}`);
  assert.match(text.stdout, new RegExp(`on cut\\.pcapng: ${report.packets} packets \\(capture cut at offset ${report.truncated!.offset}`));
  if (tshark) {
    // tshark reads up to the cut too (and says so, with status 2).
    const t = spawnSync('tshark', ['-r', cut, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    assert.match(t.stderr, /cut short in the middle of a packet/);
    assert.is(report.packets, t.stdout.split('\n').filter(Boolean).length);
  }
});

test('--out x.pcap writes classic pcap that tcpdump and tshark read: every frame, no verdicts, said so', () => {
  const out = path.join(tmp, 'fw.pcap');
  const r = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE, '--out', out]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote .*fw\.pcap \(classic pcap: frames only; verdicts are written as comments to \.pcapng\)/);
  const head = fs.readFileSync(out).subarray(0, 4);
  assert.equal([...head], [0x4d, 0x3c, 0xb2, 0xa1], 'nanosecond classic pcap magic');
  const back = [...openCapture(out)];
  assert.is(back.length, inputCount);
  const input = [...openCapture(BUNDLED_CAPTURE)];
  assert.equal(back.map((p) => p.tsNs), input.map((p) => p.tsNs), 'timestamps kept to the nanosecond');
  if (tcpdump) assert.is(tcpdumpCount(out), inputCount);
  if (tshark) assert.is(tsharkFields(out, ['frame.number']).length, inputCount);
});

test('timestamps before 1970 (a negative if_tsoffset): pcapng output keeps them exactly, pcap output refuses in one line, not as a usage error', () => {
  const frame = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1, dport: 53 }, 'x')));
  const L = true;
  const src = path.join(tmp, 'old.pcapng');
  // if_tsoffset -100000 s, microsecond ticks: the frames are from 1969-12-30/31.
  fs.writeFileSync(src, cat(shb(L), idb(L, 1, 0, [optI64(14, -100_000n, L)]), epb(L, 0, 5_000_123n, frame), epb(L, 0, 99_000_000_456n, frame)));
  const expected = [...openCapture(src)].map((p) => p.tsNs);
  assert.equal(expected, [-100_000_000_000_000n + 5_000_123_000n, -100_000_000_000_000n + 99_000_000_456_000n]);

  const out = path.join(tmp, 'old-out.pcapng');
  const ok = wasmxdp(['run', 'examples/firewall', '--pcap', src, '--out', out]);
  assert.is(ok.status, 0, ok.stderr);
  assert.equal([...openCapture(out)].map((p) => p.tsNs), expected);
  if (tshark) {
    const times = tsharkFields(out, ['frame.time_epoch']).map((f) => f[0]);
    const want = tsharkFields(src, ['frame.time_epoch']).map((f) => f[0]);
    assert.equal(times, want, 'tshark shows the same times for input and output');
  }

  const bad = wasmxdp(['run', 'examples/firewall', '--pcap', src, '--out', path.join(tmp, 'old-out.pcap')]);
  assert.is(bad.status, 1, 'a capture problem, not a usage error (2)');
  assert.match(bad.stderr, /old\.pcapng: frame 1 is timestamped 1969-12-30T\S+, which classic pcap cannot hold \(1970 to 2106\); write the output as \.pcapng instead/);
  assert.is(bad.stderr.trim().split('\n').length, 1);
});

test('the summary and --json show the handler\'s counters and maps; the firewall counts every packet once in fw_hits', () => {
  const { report } = runJson(['examples/firewall', '--pcap', BUNDLED_CAPTURE]);
  const names = report.handler.maps.map((m) => m.name).sort();
  assert.equal(names, ['fw_hits', 'fw_meta', 'fw_rules']);
  const hits = report.handler.maps.find((m) => m.name === 'fw_hits')!;
  assert.is(hits.kind, 'counters');
  const total = hits.counters!.reduce((n, c) => n + Number(c.total), 0);
  assert.is(total, report.packets, 'one hit per packet');
  assert.ok(report.handler.counters.length > 0 && report.handler.counters.every((c) => c.value > 0));
  const text = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE]);
  assert.match(text.stdout, /\n  counters: #0 \d+/);
  assert.match(text.stdout, /\n    fw_hits +counters 67 entries, key 4 B, value 8 B; non-zero: \[0\] \d+/);
  assert.match(text.stdout, /\n    fw_rules +array +64 entries/);
  // The text is the report: the same figures as --json for the same run.
  const table = formatVerdictTable(report);
  assert.ok(table.includes(`#${report.handler.counters[0].index} ${report.handler.counters[0].value}`));
});

test('handler time is the warm figure, labelled, and the same in the text and --json', () => {
  const { report } = runJson(['examples/firewall', '--pcap', BUNDLED_CAPTURE]);
  const warm = report.timing.warm!;
  assert.ok(warm.samplePackets === 256 && warm.measuredRounds >= 3 && warm.warmupRounds >= 1);
  assert.is(report.nsPerPacket, warm.nsPerPacket);
  assert.is(report.timing.runNsPerPacket, report.stats.nsPerPacket.avg, 'the whole-run figure is the sandbox\'s own');
  const line = formatVerdictTable(report).split('\n').find((l) => l.includes('handler time'))!;
  assert.ok(line.includes(`handler time: ${report.nsPerPacket.toFixed(0)} ns/packet warm`), line);
  assert.ok(line.includes(`warm-up included: ${report.timing.runNsPerPacket.toFixed(0)}`), line);
  const text = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE]);
  assert.match(text.stdout, /handler time: \d+ ns\/packet warm \(median of \d+ replays of the first 256 frames after JIT warm-up; the run itself, warm-up included: \d+\)/);
});

test('progress goes to a terminal only: a piped stderr gets nothing; a TTY gets one redrawn line, erased at the end', () => {
  const r = wasmxdp(['run', 'examples/firewall', '--pcap', BUNDLED_CAPTURE]);
  assert.is(r.stderr, '');
  const writes: string[] = [];
  let now = 0;
  const tty = new Progress({ isTTY: true, write: (s: string) => writes.push(s) }, 'big.pcap', 200e6, () => now);
  for (let i = 1; i <= 10; i++) { now += 100; tty.update(i * 10e6, i * 1000); }
  tty.end();
  assert.ok(writes.length >= 3 && writes.length <= 6, `redrawn every 250 ms, not per call: ${writes.length}`);
  assert.match(writes[0], /^\r\x1b\[Kbig\.pcap: [\d,]+ packets, [\d.]+ of 200\.0 MB \(\d+%\)$/);
  assert.is(writes[writes.length - 1], '\r\x1b[K');
  const piped: string[] = [];
  const off = new Progress({ isTTY: false, write: (s: string) => piped.push(s) }, 'x', null, () => (now += 1000));
  off.update(1, 1); off.end();
  assert.equal(piped, []);
});

test.run();

// Chain semantics over the in-memory chain port (offline, real sandboxes):
// the operator's stages run first and a DROP there stops the frame before
// any tenant stage; PASS goes on; a tenant's TX ends the chain with its
// rewrite in the UMEM; a tenant that traps costs only its own frames and
// leaves the operator stage's counters intact; chainActions extend what
// continues; a tenant stage never sees another tenant's frames.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action } from '../../../host/abi.js';
import { MapsRegion } from '../../../host/maps/region.js';
import type { ChainStage } from '../../../pipeline/chain/stage.js';
import { ChainPort } from '../../../pipeline/chain/chain-port.js';
import { loadChain } from '../../../pipeline/control/load-chain.js';
import { validateConfig } from '../../../pipeline/control/config.js';
import { ROOT } from '../../helpers/cli.js';
import { ACME_NET, chainConfig, chainPort, example, GLOBEX_NET, guest, udpTo } from '../../helpers/chain.js';

const test = suite('chain: operator stages, then the tenant\'s; verdicts end or continue');

const fw = { stage: 'fw', program: { path: guest('chain-fw') } };
const counter = (s: ChainStage, map: string, i = 0) => Number(MapsRegion.of(s.sandbox.memory).find(map)!.counter(i).total);

test('operator DROP stops a frame before the tenant; PASS continues; tenant TX ends the chain rewritten', async () => {
  const { port, chain } = await chainPort(chainConfig([fw], [
    { name: 'acme', dst: ACME_NET, chain: [{ stage: 'count', program: { path: guest('chain-count') } }, { stage: 'echo', program: { path: example('udp-reflector') } }] },
  ]));
  const out = port.process([udpTo('198.51.100.7', 9), udpTo('198.51.100.7', 7), udpTo('198.51.100.7', 53), udpTo('192.0.2.99', 7)]);
  assert.equal(out.map((r) => r.action), [Action.DROP, Action.TX, Action.PASS, Action.PASS]);
  assert.equal(out.map((r) => r.tenant), [1, 1, 1, 0]);
  const [op] = chain.runner.operator;
  const [count, echo] = chain.runner.tenants[0].stages;
  assert.is(counter(op, 'fw', 0), 3, 'the firewall passed three');
  assert.is(counter(op, 'fw', 1), 1, 'and dropped one');
  assert.is(counter(count, 'seen'), 2, 'the tenant saw only the two frames the firewall passed and that are its own');
  assert.is(echo.sandbox.stats.packets, 2);
  // The reflector swapped addresses in its own memory; the copy back reached the UMEM.
  const tx = out[1].bytes;
  assert.equal([...tx.subarray(26, 30)], [198, 51, 100, 7], 'source is now the tenant address');
  assert.equal([...tx.subarray(30, 34)], [192, 0, 2, 10]);
  assert.ok(chain.runner.zeroCopy(op), 'the operator stage runs on the UMEM');
  assert.not.ok(chain.runner.zeroCopy(echo), 'the tenant stage runs on a copy');
  assert.is(echo.copy.copiesBack, 1, 'only the rewritten frame was copied back');
  assert.is(count.copy.copiesBack, 0, 'a stage that only looked costs no copy back');
});

test('a tenant stage that rewrites and PASSes: the kernel gets the rewritten frame', async () => {
  const { port } = await chainPort(chainConfig([fw], [{ name: 'acme', dst: ACME_NET, chain: [{ stage: 'rw', program: { path: guest('chain-rewrite') } }] }]));
  const f = udpTo('198.51.100.1', 53, 'abcdef');
  const [r] = port.process([f]);
  assert.is(r.action, Action.PASS);
  assert.is(r.bytes[r.bytes.length - 1], 0x77);
  assert.equal(r.bytes.subarray(0, -1), f.subarray(0, -1));
});

test('a trap in a tenant stage: its fail verdict for its frames, operator counters and the other tenant untouched', async () => {
  const { port, chain } = await chainPort(chainConfig([fw], [
    { name: 'acme', dst: ACME_NET, chain: [{ stage: 'trap', program: { path: guest('trap-on-marker'), failVerdict: 'drop' } }] },
    { name: 'globex', dst: GLOBEX_NET, chain: [{ stage: 'echo', program: { path: example('udp-reflector') } }] },
  ]));
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const a = udpTo('198.51.100.5', 53);
    a[0] = 0xee; // trap-on-marker traps on a first byte of 0xee
    frames.push(a, udpTo('203.0.113.5', 7));
  }
  const out = port.process(frames);
  const op = chain.runner.operator[0];
  assert.is(counter(op, 'fw', 0), 80, 'the operator stage saw and passed every frame');
  assert.is(op.sandbox.stats.traps, 0);
  const acme = out.filter((r) => r.tenant === 1), globex = out.filter((r) => r.tenant === 2);
  assert.ok(acme.every((r) => r.action === Action.ABORTED || r.action === Action.DROP), 'acme frames: ABORTED (the trapping one) or its fail verdict');
  assert.ok(globex.every((r) => r.action === Action.TX), 'every globex frame was echoed');
  assert.ok(chain.runner.tenants[0].stages[0].sandbox.stats.traps > 0);
  const figs = chain.runner.figures;
  assert.is(figs.get(2)!.verdicts[Action.TX], 40);
});

test('chainActions: a stage can let TX go on (PASS at the end, as the dispatcher returns XDP_PASS)', async () => {
  const { port } = await chainPort(chainConfig([{ ...fw, chainActions: ['pass', 'drop'] }], [
    { name: 'acme', dst: ACME_NET, chain: [{ stage: 'count', program: { path: guest('chain-count') } }] },
  ]));
  const [dropped] = port.process([udpTo('198.51.100.7', 9)]);
  assert.is(dropped.action, Action.PASS, 'DROP is a chain action of fw here: the frame went on and the chain ended in PASS');
});

test('a one-stage port (program key) is a one-stage chain', async () => {
  const { port, chain } = await chainPort({ ports: [{ name: 'edge', iface: 'wxtest0', program: { path: guest('chain-fw') } }] });
  assert.is(chain.runner.operator.length, 1);
  assert.is(chain.runner.operator[0].name, 'main');
  assert.equal(port.process([udpTo('10.0.0.1', 9), udpTo('10.0.0.1', 7)]).map((r) => r.action), [Action.DROP, Action.PASS]);
});

test('tenants run in a rotating order and each stage sees only its own tenant\'s frames', async () => {
  const count = { stage: 'count', program: { path: guest('chain-count') } };
  const { port, chain } = await chainPort(chainConfig([fw], [
    { name: 'acme', dst: ACME_NET, chain: [count] }, { name: 'globex', dst: GLOBEX_NET, chain: [count] },
  ]));
  const frames = [...Array(300)].map((_, i) => udpTo(i % 3 === 0 ? '203.0.113.9' : '198.51.100.9', 53));
  port.process(frames);
  const [a, g] = chain.runner.tenants.map((t) => counter(t.stages[0], 'seen'));
  assert.is(a, 200);
  assert.is(g, 100);
  assert.not.ok(chain.runner.zeroCopy(chain.runner.tenants[0].stages[0]), 'tenant stages share the queue: they copy');
});

test('a queue dedicated to a tenant: its first stage owns the UMEM (zero copy), the operator stage runs on copies', async () => {
  const raw = chainConfig([fw], [{ name: 'acme', dst: ACME_NET, chain: [{ stage: 'echo', program: { path: example('udp-reflector') } }] }]);
  const config = validateConfig(raw, ROOT);
  const chain = await loadChain(config, 'edge', { log: () => {}, homeTenant: 1 });
  const port = new ChainPort(chain.runner, chain.umem, chain.classifier);
  const [op] = chain.runner.operator;
  const [echo] = chain.runner.tenants[0].stages;
  assert.ok(chain.runner.zeroCopy(echo));
  assert.not.ok(chain.runner.zeroCopy(op));
  const out = port.process([udpTo('198.51.100.7', 7), udpTo('198.51.100.7', 9)]);
  assert.equal(out.map((r) => r.action), [Action.TX, Action.DROP]);
  assert.equal([...out[0].bytes.subarray(26, 30)], [198, 51, 100, 7]);
  assert.is(echo.copy.copiesIn, 0);
  assert.is(op.copy.copiesIn, 2);
});

test.run();

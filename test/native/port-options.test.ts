// Enumerated port options (XDP mode, copy mode) cross into C++ as their index
// in abi/contract.json's lists: the wrapper refuses an unknown name with the
// allowed ones, and the addon itself refuses a name or an index out of range
// instead of quietly falling back to a default (it took any string but "drv"
// for skb before).
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { OPTIONS } from '../../host/options.js';
import { XskPortSet } from '../../native/index.js';
import type { NativeXskSet } from '../../native/load.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab } from '../helpers/netns.js';

const test = await liveSuite('native/port-options');

function withSet(fn: (set: XskPortSet, lab: NetLab) => void): void {
  const lab = new NetLab();
  const pages = memoryPages(1);
  const set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
  try { fn(set, lab); } finally { set.close(); lab.destroy(); }
}

/** The addon object under the wrapper, to call it the way a buggy caller would. */
function rawAddon(set: XskPortSet): NativeXskSet {
  return (set as unknown as { native: NativeXskSet }).native;
}

test('an unknown XDP mode or copy mode name is refused by the wrapper, naming the allowed values', () => withSet((set) => {
  for (const [opts, text] of [
    [{ mode: 'native' }, /mode must be skb or drv, got "native"/],
    [{ copy: 'zero-copy' }, /copy must be auto, copy or zerocopy, got "zero-copy"/],
  ] as const) {
    try {
      set.addPort({ ifname: 'lo', ...(opts as object) });
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, WasmxdpError);
      assert.is((e as WasmxdpError).code, 'E_CONFIG');
      assert.match((e as Error).message, text);
    }
  }
  assert.is(set.ports.length, 0);
}));

test('the addon takes enumerations by index and refuses a name or an index out of range', () => withSet((set) => {
  const n = rawAddon(set);
  for (const [opts, text] of [
    [{ mode: 'drv' }, /mode must be the index of one of skb, drv \(0 to 1\), got 'drv'/],
    [{ mode: OPTIONS.xdpMode.values.length }, /mode must be the index of one of skb, drv \(0 to 1\), got 2/],
    [{ mode: 0.5 }, /got 0\.5/],
    [{ mode: 0, copy: 'copy' }, /copy must be the index of one of auto, copy, zerocopy \(0 to 2\), got 'copy'/],
    [{ mode: 0, copy: -1 }, /copy must be .* got -1/],
  ] as const) {
    assert.throws(() => n.addPort({ ifname: 'lo', queue: 0, ...opts }), (e: Error) => e instanceof TypeError && text.test(e.message), JSON.stringify(opts));
  }
}));

test('a mode given by name reaches the kernel as that mode (drv on a veth)', () => withSet((set, lab) => {
  const v = lab.addVeth({ peerNs: lab.addNetns() });
  assert.is(set.addPort({ ifname: v.name, mode: 'drv', copy: 'copy' }), 0);
  assert.equal(set.ports[0], { index: 0, ifname: v.name, queue: 0, mode: 'drv' });
  const link = JSON.parse(lab.ip(null, ['-j', '-d', 'link', 'show', 'dev', v.name]))[0];
  assert.ok(link.xdp, `XDP attached: ${JSON.stringify(link)}`);
  assert.is(link.xdp.mode, 1, 'XDP_ATTACHED_DRV (ip reports mode 1 for a native attach)');
}));

test.run();

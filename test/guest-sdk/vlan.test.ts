// pushVlan / popVlan: tags are added and removed in place, the rest of the
// frame is untouched, and the parse cache follows the new layout.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { Action } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { runGuest } from '../helpers/guest.js';
import { eth, ipv4, ipv6, tcp, udp, parseFrame, l4ChecksumOk, ETH_P_8021Q } from '../helpers/packets.js';

const GUEST = path.join(PROJECT_ROOT, 'test/guest-sdk/guests/vlan.ts');
const test = suite('guest-sdk/vlan');

test('push onto untagged frames, pop the outer tag of tagged ones', async () => {
  const untagged = [eth({}, ipv4({}, udp({}, 'a'))), eth({}, ipv6({ ext: [{ type: 'hop' }] }, tcp({}, 'b')))];
  const tagged = [eth({ vlan: [7] }, ipv4({}, udp({}, 'c'))), eth({ vlan: [100, 200] }, ipv6({}, tcp({}, 'd')))];
  const { results, stats } = await runGuest(GUEST, [...untagged, ...tagged], { log: () => {} });
  assert.is(stats.traps, 0);
  results.forEach((r) => assert.is(r.action, Action.TX, 'the guest saw the new layout'));
  untagged.forEach((f, i) => {
    const out = results[i].bytes;
    assert.is(out.length, f.length + 4);
    assert.equal(parseFrame(out).vlans, [{ tpid: ETH_P_8021Q, id: 42, pcp: 0, dei: false }]);
    assert.equal(out.subarray(0, 12), f.subarray(0, 12), 'MACs kept');
    assert.equal(out.subarray(16), f.subarray(12), 'the rest unchanged');
    assert.ok(l4ChecksumOk(out));
  });
  tagged.forEach((f, j) => {
    const out = results[untagged.length + j].bytes;
    assert.is(out.length, f.length - 4);
    assert.equal(parseFrame(out).vlans, parseFrame(f).vlans.slice(1));
    assert.equal(out.subarray(0, 12), f.subarray(0, 12));
    assert.equal(out.subarray(12), f.subarray(16));
  });
});

test('a frame too short for Ethernet takes no tag and is left as it was', async () => {
  const runt = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
  const { results } = await runGuest(GUEST, [runt], { log: () => {} });
  assert.is(results[0].action, Action.DROP);
  assert.equal(results[0].bytes, runt);
});

test.run();

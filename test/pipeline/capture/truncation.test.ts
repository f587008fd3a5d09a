// A capture cut at any byte: at a block/record boundary it is a shorter valid
// capture; anywhere else the packets before the cut are read and the capture
// reports the cut (E_CAPTURE_FORMAT pointing at the start of the block or
// record that was cut), as tcpdump and tshark read up to a cut. A cut inside
// the file header itself is an error (there is nothing to read). Never another
// exception.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureFormatError, readCapture } from '../../../pipeline/capture/index.js';
import { corpora } from './corpus.js';

const test = suite('truncation');

for (const c of corpora()) {
  test(`${c.name}: cut at every one of its ${c.bytes.length} byte offsets`, () => {
    let boundaries = 0, cuts = 0;
    for (let len = 0; len < c.bytes.length; len++) {
      const cut = c.bytes.subarray(0, len);
      const i = c.units.findLastIndex((u) => u.offset <= len);
      const unit = c.units[i];
      const atBoundary = unit.offset === len && len > 0;
      const before = c.units.slice(0, i).filter((u) => u.packet).length;
      let packets = -1;
      let error: unknown;
      let warned: CaptureFormatError | null = null;
      let cap;
      try {
        cap = readCapture(cut, { name: c.name, anyLinkType: true, onTruncated: (e) => { warned = e; } });
        packets = Array.from(cap).length;
      } catch (e) {
        error = e;
      }
      if (atBoundary) {
        assert.is(error, undefined, `cut at boundary ${len} should read, got ${String(error)}`);
        assert.is(packets, before, `packets before ${len}`);
        assert.is(cap!.truncation, null);
        boundaries++;
        continue;
      }
      cuts++;
      const e = (error ?? cap!.truncation) as CaptureFormatError;
      assert.instance(e, CaptureFormatError, `cut at ${len}: ${String(error)}`);
      assert.is(e.code, 'E_CAPTURE_FORMAT');
      assert.is(e.offset, unit.offset, `cut at ${len}: ${e.message}`);
      assert.ok(e.message.includes(`${c.name}: `) && e.message.includes(`offset ${unit.offset}`), e.message);
      if (error === undefined) {
        assert.is(packets, before, `cut at ${len}: the packets before the cut are read`);
        assert.is(warned, cap!.truncation, 'onTruncated is told');
        assert.match(e.message, /truncated capture\?/);
      } else {
        assert.is(unit.offset, 0, `cut at ${len}: only a cut file header is refused, got ${e.message}`);
      }
    }
    assert.is(boundaries, c.units.length - 1);
    assert.ok(cuts > boundaries);
  });
}

test.run();

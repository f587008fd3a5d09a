// A capture cut at any byte: at a block/record boundary it is a shorter valid
// capture; anywhere else it is E_CAPTURE_FORMAT pointing at the start of the
// block or record that was cut. Never another exception.

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
      let packets = -1;
      let error: unknown;
      try {
        packets = Array.from(readCapture(cut, { name: c.name, anyLinkType: true })).length;
      } catch (e) {
        error = e;
      }
      if (atBoundary) {
        assert.is(error, undefined, `cut at boundary ${len} should read, got ${String(error)}`);
        assert.is(packets, c.units.slice(0, i).filter((u) => u.packet).length, `packets before ${len}`);
        boundaries++;
      } else {
        assert.instance(error, CaptureFormatError, `cut at ${len}: ${String(error)}`);
        const e = error as CaptureFormatError;
        assert.is(e.code, 'E_CAPTURE_FORMAT');
        assert.is(e.offset, unit.offset, `cut at ${len}: ${e.message}`);
        assert.ok(e.message.includes(`${c.name}: `) && e.message.includes(`offset ${unit.offset}`), e.message);
        cuts++;
      }
    }
    assert.is(boundaries, c.units.length - 1);
    assert.ok(cuts > boundaries);
  });
}

test.run();

// The strict exposition reader refuses what a scraper would refuse, so the
// metrics suite's "it parses" means something.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExposition, sum } from './prom-text.js';

const GOOD = `# HELP a_total things
# TYPE a_total counter
a_total{port="edge",q="0"} 3
a_total{port="edge",q="1"} 4
# HELP h seconds
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="1"} 3
h_bucket{le="+Inf"} 3
h_sum 1.5
h_count 3
`;

test('reads a well-formed exposition', () => {
  const f = parseExposition(GOOD);
  assert.is(sum(f, 'a_total'), 7);
  assert.is(sum(f, 'a_total', { q: '1' }), 4);
  assert.is(sum(f, 'h_count'), 3);
});

for (const [why, text, msg] of [
  ['no TYPE', 'x 1\n', /no # TYPE/],
  ['duplicate series', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n', /duplicate series/],
  ['bad value', '# TYPE x gauge\nx 1,5\n', /not a float/],
  ['negative counter', '# TYPE x counter\nx -1\n', /counter x is -1/],
  ['unquoted label', '# TYPE x gauge\nx{a=1} 1\n', /not quoted/],
  ['bad escape', '# TYPE x gauge\nx{a="\\t"} 1\n', /bad escape/],
  ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/],
  ['+Inf != count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /\+Inf bucket 2 != _count 1/],
  ['split family', '# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# TYPE x gauge\n', /appears twice|after its samples/],
  ['no final newline', '# TYPE x gauge\nx 1', /newline/],
] as const) {
  test(`refuses: ${why}`, () => {
    assert.throws(() => parseExposition(text), msg);
  });
}

test.run();

// Writes test/maps/vectors.json from test/maps/scenarios.ts, running every
// scenario on the TS MapsRegion (see scenarios.ts for when to run it):
//   npx tsc -p tsconfig.json && node dist/test/maps/gen-vectors.js

import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { MAPS_LAYOUT_VERSION } from '../../host/maps/layout.js';
import { Op, Outcome, TsExecutor, regionDigest } from './ops.js';
import { scenarios } from './scenarios.js';

export interface VectorStep { op: Op; expect: Outcome; region: string }
export interface Vectors { layoutVersion: number; generator: string; scenarios: { name: string; steps: VectorStep[] }[] }

export const VECTORS_FILE = path.join(PROJECT_ROOT, 'test/maps/vectors.json');

export function generate(): Vectors {
  return {
    layoutVersion: MAPS_LAYOUT_VERSION,
    generator: 'test/maps/gen-vectors.ts',
    scenarios: scenarios().map((s) => {
      const ex = new TsExecutor();
      return { name: s.name, steps: s.ops.map((op) => ({ op, expect: ex.apply(op), region: regionDigest(ex.region) })) };
    }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('test', 'maps', 'gen-vectors.js'))) {
  const v = generate();
  // One step per line: diffs of a regenerated file stay readable.
  const scenariosText = v.scenarios.map((s) => `  {"name": ${JSON.stringify(s.name)}, "steps": [\n${s.steps.map((st) => '    ' + JSON.stringify(st)).join(',\n')}\n  ]}`);
  const text = `{"layoutVersion": ${v.layoutVersion}, "generator": ${JSON.stringify(v.generator)}, "scenarios": [\n${scenariosText.join(',\n')}\n]}\n`;
  fs.writeFileSync(VECTORS_FILE, text);
  console.log(`wrote ${path.relative(process.cwd(), VECTORS_FILE)}`);
}

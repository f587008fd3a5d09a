// `npm run soak -- --minutes N [--rate F] [--out file.json]`: see soak.ts.
// Needs root (it makes its own namespaces and veth pair and sends only there).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { liveUnavailableReason } from '../helpers/live.js';
import { reexecInOwnNetns } from '../helpers/netns.js';
import { DEFAULT_SOAK, formatReport, runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, out: { type: 'string' },
    'deploy-every': { type: 'string' }, 'map-every': { type: 'string' }, 'sample-every': { type: 'string' },
  },
});
const number = (v: string | undefined, name: string, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0)) { console.error(`--${name} must be a positive number, got '${v}'`); process.exit(2); }
  return n;
};
const seconds = values.seconds !== undefined ? number(values.seconds, 'seconds', 0) : number(values.minutes, 'minutes', 2) * 60;
const reason = liveUnavailableReason();
if (reason) { console.error(`soak: cannot run here: ${reason}`); process.exit(1); }
await reexecInOwnNetns();
const report = await runSoak({
  ...DEFAULT_SOAK, seconds,
  rate: number(values.rate, 'rate', DEFAULT_SOAK.rate),
  deployEverySec: number(values['deploy-every'], 'deploy-every', DEFAULT_SOAK.deployEverySec),
  mapWriteEverySec: number(values['map-every'], 'map-every', DEFAULT_SOAK.mapWriteEverySec),
  sampleEverySec: number(values['sample-every'], 'sample-every', seconds >= 600 ? 30 : DEFAULT_SOAK.sampleEverySec),
  progress: (l) => console.log(l),
});
console.log(formatReport(report));
if (values.out) fs.writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
// What CI checks (.ci/run): nothing unaccounted on either port, no error, no warning in the daemon's log.
const failures = [
  ...(report.unaccounted !== 0 ? [`${report.unaccounted} frame(s) unaccounted`] : []),
  ...(report.chain && report.chain.unaccounted !== 0 ? [`${report.chain.unaccounted} chain-port frame(s) unaccounted`] : []),
  ...(report.errors.length ? [`${report.errors.length} error(s)`] : []),
  ...(report.logProblems.length ? [`${report.logProblems.length} warning/error line(s) in the daemon's log`] : []),
];
if (failures.length) console.error(`soak: FAILED: ${failures.join('; ')}`);
process.exit(failures.length ? 1 : 0);

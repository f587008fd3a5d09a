// A strict reader of the Prometheus text exposition format (version 0.0.4),
// for tests: every rule a scraper relies on is checked and the first
// violation throws with its line number. What it returns is each family's
// samples, to check values against traffic sent.
import { spawnSync } from 'node:child_process';

export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface Family { name: string; type: string; help: string; samples: Sample[] }

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

// Values as Prometheus reads them (Go's strconv.ParseFloat): special values
// case-insensitively (prom-client writes NaN as 'Nan').
function parseValue(s: string, where: string): number {
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity;
  if (/^-inf(inity)?$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`${where}: '${s}' is not a float`);
  return Number(s);
}

/** Parses `{a="x",b="y"}` from position i of line; returns labels and the index after '}'. */
function parseLabels(line: string, i: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++; // '{'
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name '${name}'`);
    if (name in labels) throw new Error(`${where}: label '${name}' repeated`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label value of '${name}' is not quoted`);
    let v = '', j = eq + 2;
    for (;; j++) {
      if (j >= line.length) throw new Error(`${where}: unterminated label value`);
      const ch = line[j];
      if (ch === '"') break;
      if (ch === '\\') {
        const n = line[++j];
        if (n === 'n') v += '\n'; else if (n === '\\' || n === '"') v += n; else throw new Error(`${where}: bad escape '\\${n}'`);
      } else v += ch;
    }
    labels[name] = v;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected ',' or '}' after label '${name}'`);
  }
  return [labels, i + 1];
}

function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of ['_bucket', '_sum', '_count', '']) {
    if (!sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, sample.length - suffix.length));
    if (f && (suffix === '' || f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: Family | null = null;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kw, name, rest] = m;
      if (!METRIC.test(name)) throw new Error(`${where}: bad metric name '${name}'`);
      let f = families.get(name);
      if (!f) {
        if (closed.has(name)) throw new Error(`${where}: family ${name} appears twice`);
        f = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, f);
      } else if (f.samples.length) throw new Error(`${where}: ${kw} for ${name} after its samples`);
      if (current && current !== f) closed.add(current.name);
      current = f;
      if (kw === 'TYPE') {
        if (!TYPES.includes(rest)) throw new Error(`${where}: unknown type '${rest}'`);
        f.type = rest;
      } else f.help = rest;
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: no value: '${line}'`);
    const name = line.slice(0, nameEnd);
    if (!METRIC.test(name)) throw new Error(`${where}: bad metric name '${name}'`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2 || parts[0] === '') throw new Error(`${where}: expected 'value [timestamp]'`);
    const value = parseValue(parts[0], where);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`${where}: bad timestamp '${parts[1]}'`);
    const f = familyOf(name, families);
    if (!f) throw new Error(`${where}: sample ${name} has no # TYPE before it`);
    if (f !== current) throw new Error(`${where}: sample ${name} is not next to the rest of its family`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    seen.add(key);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${where}: counter ${name} is ${value}`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    if (s.name.endsWith('_bucket') && le === undefined) throw new Error(`${f.name}: bucket without le`);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const [k, ss] of groups) {
    const buckets = ss.filter((s) => s.name.endsWith('_bucket')).map((s) => ({ le: parseValue(s.labels.le, f.name), v: s.value }));
    const count = ss.find((s) => s.name === `${f.name}_count`);
    if (!ss.find((s) => s.name === `${f.name}_sum`) || !count) throw new Error(`${f.name}${k}: _sum or _count missing`);
    const inf = buckets.find((b) => b.le === Infinity);
    if (!inf) throw new Error(`${f.name}${k}: no +Inf bucket`);
    if (inf.v !== count.value) throw new Error(`${f.name}${k}: +Inf bucket ${inf.v} != _count ${count.value}`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i].le > buckets[i - 1].le)) throw new Error(`${f.name}${k}: buckets not in increasing le order`);
      if (buckets[i].v < buckets[i - 1].v) throw new Error(`${f.name}${k}: buckets not cumulative`);
    }
  }
}

/** Sum of the samples named `name` (a family, or a histogram's _bucket/_sum/_count) whose labels include `match`. */
export function sum(families: Map<string, Family>, name: string, match: Record<string, string> = {}): number {
  const samples = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name);
  if (!samples.length && !families.has(name)) throw new Error(`no metric ${name}`);
  return samples.filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

/** `promtool check metrics` on the text: null when fine, the tool's complaint otherwise, 'missing' without promtool. */
export function promtoolCheck(text: string): string | null | 'missing' {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
  return r.status === 0 ? null : `${r.stdout}${r.stderr}`.trim();
}

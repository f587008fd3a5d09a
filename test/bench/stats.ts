// Summaries of repeated measurements: median and spread (min, max, IQR).

export interface Summary { median: number; min: number; max: number; q1: number; q3: number; n: number }

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(xs: number[]): Summary {
  if (xs.length === 0) throw new Error('summarize: no samples');
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}

/** "12.3 (11.9-13.0)": median and min-max, to `digits` decimals. */
export function fmt(s: Summary | null | undefined, digits = 1): string {
  if (!s) return 'n/a';
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
}

/** Ratio of medians, or null when either side is missing. */
export function ratio(a: Summary | null | undefined, b: Summary | null | undefined): number | null {
  return a && b && b.median > 0 ? a.median / b.median : null;
}

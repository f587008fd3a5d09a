// docs/benchmarks.svg from a results object: the handler cost per
// implementation (grouped bars) and the live receive rate per receiver.
// Plain SVG text; no tools.
import type { Results } from './results.js';

const COLORS = ['#3b6fb6', '#7aa6e0', '#d2691e', '#6b8e23'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

interface Group { label: string; bars: { name: string; value: number | null }[] }

function panel(title: string, unit: string, groups: Group[], y0: number, width: number): { svg: string; height: number } {
  const left = 190, right = 70, barH = 11, gap = 10;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value ?? 0)));
  const scale = (width - left - right) / max;
  const parts = [`<text x="10" y="${y0 + 16}" font-size="14" font-weight="bold">${esc(title)}</text>`];
  let y = y0 + 30;
  for (const g of groups) {
    parts.push(`<text x="${left - 8}" y="${y + (g.bars.length * barH) / 2 + 4}" font-size="12" text-anchor="end">${esc(g.label)}</text>`);
    g.bars.forEach((b, i) => {
      const w = b.value == null ? 0 : Math.max(1, b.value * scale);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${COLORS[i % COLORS.length]}"><title>${esc(b.name)}: ${b.value == null ? 'n/a' : b.value.toFixed(1)} ${unit}</title></rect>`);
      parts.push(`<text x="${left + w + 4}" y="${y + barH - 2}" font-size="10">${b.value == null ? 'n/a' : b.value.toFixed(b.value >= 100 ? 0 : 1)}</text>`);
      y += barH;
    });
    y += gap;
  }
  const names = groups[0]?.bars.map((b) => b.name) ?? [];
  let lx = left;
  for (const [i, n] of names.entries()) {
    parts.push(`<rect x="${lx}" y="${y}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="${y + 9}" font-size="11">${esc(n)}</text>`);
    lx += 24 + n.length * 6.2;
  }
  parts.push(`<text x="${width - 10}" y="${y0 + 16}" font-size="11" text-anchor="end">${esc(unit)}</text>`);
  return { svg: parts.join('\n'), height: y + 24 - y0 };
}

export function renderSvg(r: Results): string {
  const width = 760;
  const panels: string[] = [];
  let y = 0;
  if (r.handlers) {
    const groups: Group[] = r.handlers.rows.map((row) => ({ label: row.handler, bars: [
      { name: 'wasm unmetered', value: row.wasmUnmetered.median },
      { name: 'wasm metered', value: row.wasmMetered.median },
      { name: 'eBPF (kernel JIT, net)', value: row.ebpf?.median ?? (row.handler.startsWith('pass') ? 0 : null) },
      { name: 'plain JS', value: row.js.median },
    ] }));
    const p = panel(`Handler cost, batches of ${r.handlers.batchSize} (lower is better)`, 'ns/packet', groups, y, width);
    panels.push(p.svg);
    y += p.height;
  }
  if (r.live && !r.live.unavailable) {
    const groups: Group[] = r.live.rows.map((row) => ({ label: row.receiver, bars: [{ name: `kframes/s received (${row.kind})`, value: row.pps.median / 1000 }] }));
    const p = panel(`Live on veth, ${r.live.mode.toUpperCase()} mode, 64-byte frames (higher is better)`, 'kframes/s', groups, y + 10, width);
    panels.push(p.svg);
    y += p.height + 10;
  }
  const foot = `${r.machine.cpu}, ${r.machine.cores} cores, Linux ${r.machine.kernel}, Node ${r.machine.node}; load ${r.load.min.toFixed(1)}-${r.load.max.toFixed(1)}; ${r.machine.date.slice(0, 16)}Z`;
  panels.push(`<text x="10" y="${y + 14}" font-size="10" fill="#555">${esc(foot)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 24}" viewBox="0 0 ${width} ${y + 24}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${panels.join('\n')}\n</svg>\n`;
}

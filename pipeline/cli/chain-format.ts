// Text for chain ports in `wasmxdp status` and `wasmxdp stats`: each stage
// the asker may see (owner, running version, health, copy or zero copy) and
// each tenant's figures (kernel: classified, over quota; user space: final
// verdicts).

interface Version { version: number; name: string; state: string; health: string }
interface ChainStageStatus { stage: string; owner: string; program: { version: number; name: string; health: string } | null; quarantined: boolean; programStatus: string[]; versions: Version[]; lastRollback: string | null }
interface TenantFig { name: string; packets: number; verdicts: Record<string, number>; kernel: { matched: number; toUser: number; overQuota: number } }

const verdicts = (v: Record<string, number>) => Object.entries(v).map(([k, n]) => `${k} ${n}`).join('  ');

function tenants(ts: TenantFig[]): string[] {
  return ts.map((t) => `  tenant ${t.name}: kernel matched ${t.kernel.matched}, over quota ${t.kernel.overQuota}, to user space ${t.kernel.toUser}; final verdicts ${verdicts(t.verdicts)}`);
}

export function formatChainStatus(p: { name: string; ifaces: string[]; queues: number[]; mode: string; error: string | null; stages: ChainStageStatus[]; tenants: TenantFig[] }): string {
  const lines = [`port ${p.name} (chain): ${p.ifaces.join(', ')} queues ${p.queues.join(', ')}, ${p.mode} mode${p.error ? `  ERROR: ${p.error}` : ''}`];
  for (const s of p.stages) {
    lines.push(`  stage ${s.stage} (owner ${s.owner}): ${s.program ? `v${s.program.version} ${s.program.name}, health ${s.program.health}` : 'no program'}${s.quarantined ? `, QUARANTINED: ${s.programStatus.join('; ')}` : ''}`);
    if (s.lastRollback) lines.push(`    last automatic rollback: ${s.lastRollback}`);
    for (const v of s.versions) lines.push(`    v${v.version}  ${v.name.padEnd(20)} ${v.state.padEnd(11)} ${v.health}`);
  }
  lines.push(...tenants(p.tenants));
  return lines.join('\n');
}

interface ChainStageStats { stage: string; version: number; packets: number; traps: number; verdicts: Record<string, number>; zeroCopy: (boolean | null)[]; copy: { copiesIn: number; copiesBack: number } }

export function formatChainStats(p: { port: string; stages: ChainStageStats[]; tenants: TenantFig[] }): string {
  return [
    `port ${p.port} (chain):`,
    ...p.stages.map((s) => `  stage ${s.stage}: v${s.version}, ${s.packets} packets, traps ${s.traps}; ${verdicts(s.verdicts)}; ${s.zeroCopy.every((z) => z) ? 'zero copy' : `copied in ${s.copy.copiesIn}, back ${s.copy.copiesBack}`}`),
    ...tenants(p.tenants),
  ].join('\n');
}

// Loads the chain of one port of a validated config: the port's own stages
// and the stages of every tenant with a selector on it, compiled or read from
// their paths, built into sandboxes (build-chain.ts), plus the classifier
// for that port's selectors.

import type { PipelineConfig } from './config.js';
import { WasmxdpError } from '../../host/errors.js';
import { loadProgramBytes } from '../program/load-program.js';
import { TenantClassifier } from '../tenants/classifier.js';
import { OPERATOR, TenantConfig } from '../tenants/config.js';
import { buildChain, BuiltChain, ChainOptions, StageSpec } from '../chain/build-chain.js';

/** Tenants with a selector on `port`, in config order. */
export function tenantsOf(config: Pick<PipelineConfig, 'tenants'>, port: string): TenantConfig[] {
  return config.tenants.filter((t) => t.match.some((m) => m.port === port));
}

export interface LoadedChain extends BuiltChain {
  classifier: TenantClassifier;
  tenants: TenantConfig[];
}

export async function loadChain(config: Pick<PipelineConfig, 'ports' | 'tenants'>, portName: string, opts: ChainOptions = {}): Promise<LoadedChain> {
  const port = config.ports.find((p) => p.name === portName);
  if (!port) throw new WasmxdpError('E_NOT_FOUND', `no port named '${portName}'; ports: ${config.ports.map((p) => p.name).join(', ')}`);
  const specs = (owner: string, chain: TenantConfig['chain']) => Promise.all(chain.map(async (c): Promise<StageSpec> => ({ owner, config: c, program: await loadProgramBytes(c.program.path) })));
  const tenants = tenantsOf(config, portName);
  const operator = await specs(OPERATOR, port.chain);
  const built = buildChain(operator, await Promise.all(tenants.map(async (t) => ({ config: t, stages: await specs(t.name, t.chain) }))), { frameSize: port.frameSize, portCount: port.ifaces.length, ...opts });
  return { ...built, classifier: new TenantClassifier(config.tenants, portName), tenants };
}

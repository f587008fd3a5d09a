// Bounds on a module's shape, checked on wasm-reader's own parse before
// binaryen (or V8's validator) sees the module: binaryen's time and memory grow
// with functions, locals and instructions, and its reader recurses once per
// nested block, so an 18 KB module could otherwise keep it busy for a minute
// or overflow its stack. Every refusal is E_MODULE_LIMIT naming the limit.
// AssemblyScript handlers are far inside these (the examples: at most 15
// functions, 14 locals, nesting 12, 1.2 KB per body).

import { WasmxdpError } from './errors.js';
import type { WasmInfo } from './wasm-reader.js';

export interface ModuleLimits {
  /** Functions, imported and defined. */
  maxFunctions: number;
  /** Locals of one function (parameters not counted). */
  maxLocalsPerFunction: number;
  /** Locals of all functions together. */
  maxTotalLocals: number;
  /** Nesting of block / loop / if / try in one function. */
  maxNestingDepth: number;
  /** Bytes of one function body. */
  maxBodyBytes: number;
}

export const DEFAULT_MODULE_LIMITS: Readonly<ModuleLimits> = {
  maxFunctions: 10_000,
  maxLocalsPerFunction: 10_000,
  maxTotalLocals: 100_000,
  maxNestingDepth: 1_000,
  maxBodyBytes: 1024 * 1024,
};

function over(what: string, got: number, limit: keyof ModuleLimits, max: number, fix: string): WasmxdpError {
  return new WasmxdpError('E_MODULE_LIMIT', `${what} ${got}, over the limit ${limit} = ${max}; ${fix}`);
}

/** Throws E_MODULE_LIMIT naming the first limit `info` exceeds. */
export function checkModuleLimits(info: WasmInfo, limits: Partial<ModuleLimits> = {}): void {
  const l = { ...DEFAULT_MODULE_LIMITS, ...limits };
  const imported = info.imports.filter((i) => i.desc.kind === 'func').length;
  const functions = imported + Math.max(info.functions.length, info.code.bodies);
  if (functions > l.maxFunctions) throw over('the module has functions:', functions, 'maxFunctions', l.maxFunctions, 'split the handler or let the compiler inline more');
  const c = info.code;
  const fn = (at: number) => `function ${imported + at}`;
  if (c.maxBodyBytes > l.maxBodyBytes) throw over(`${fn(c.maxBodyAt)} has a body of bytes:`, c.maxBodyBytes, 'maxBodyBytes', l.maxBodyBytes, 'split the function');
  if (c.maxLocals > l.maxLocalsPerFunction) throw over(`${fn(c.maxLocalsAt)} declares locals:`, c.maxLocals, 'maxLocalsPerFunction', l.maxLocalsPerFunction, 'split the function');
  if (c.totalLocals > l.maxTotalLocals) throw over('the functions declare locals in total:', c.totalLocals, 'maxTotalLocals', l.maxTotalLocals, 'use fewer locals');
  if (c.maxDepth > l.maxNestingDepth) throw over(`${fn(c.maxDepthAt)} nests blocks to depth`, c.maxDepth, 'maxNestingDepth', l.maxNestingDepth, 'flatten its control flow');
}

// One place that turns program bytes into a running Sandbox, so the offline
// runner, live workers and the daemon apply the same deploy-time checks
// (validation, metering) through host/load.ts.

import { loadModule, LoadLimits } from '../../host/load.js';
import { Sandbox, SandboxOptions } from '../../host/sandbox.js';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import type { ProgramBytes } from './load-program.js';

export interface ProgramOptions extends SandboxOptions {
  /** Instrument with the CPU budget (default true). */
  metering?: boolean;
  maxModuleBytes?: number;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function createSandbox(program: ProgramBytes, opts: ProgramOptions = {}): Sandbox {
  const { metering, maxModuleBytes, ...sandboxOpts } = opts;
  const limits: LoadLimits = defined({ metering, maxModuleBytes, heapPages: opts.heapPages, maxHeapPages: opts.maxHeapPages });
  try {
    const loaded = loadModule(program.bytes, limits);
    return new Sandbox(loaded, { name: program.name, ...defined(sandboxOpts) });
  } catch (e) {
    // Name the program in every deploy refusal: the user may have given several.
    if (isWasmxdpError(e) && !e.message.startsWith(program.name)) throw new WasmxdpError(e.code, `${program.name}: ${e.message}`, { cause: e });
    throw e;
  }
}

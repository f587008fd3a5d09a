// One place that turns program bytes into a running Sandbox, so the offline
// runner, live workers and the daemon apply the same deploy-time checks.

import { WasmxdpError } from '../../host/errors.js';
import { FailVerdict, Sandbox, SandboxOptions } from '../../host/sandbox.js';
import type { ProgramBytes } from './load-program.js';

const FAIL_VERDICTS: readonly FailVerdict[] = ['aborted', 'drop', 'pass'];

export function compileModule(program: ProgramBytes): WebAssembly.Module {
  if (!WebAssembly.validate(program.bytes as BufferSource)) {
    try { new WebAssembly.Module(program.bytes as BufferSource); } catch (e) {
      throw new WasmxdpError('E_INVALID_WASM', `${program.name}: not a valid WebAssembly module: ${(e as Error).message}`);
    }
  }
  return new WebAssembly.Module(program.bytes as BufferSource);
}

export function createSandbox(program: ProgramBytes, opts: SandboxOptions & { failVerdict?: FailVerdict }): Sandbox {
  if (opts.failVerdict !== undefined && !FAIL_VERDICTS.includes(opts.failVerdict)) {
    throw new WasmxdpError('E_USAGE', `--fail must be one of ${FAIL_VERDICTS.join(', ')}, got '${opts.failVerdict}'`);
  }
  const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as SandboxOptions;
  return new Sandbox(compileModule(program), { name: program.name, ...clean });
}

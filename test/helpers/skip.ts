// Suites and tests that need something this machine may lack (root and AF_XDP,
// an outside tool such as tshark) are gated the same way:
//   - available: they run;
//   - missing: they are registered as skipped and ONE line says what to
//     install, so `npm test` passes on a fresh machine with only Node;
//   - missing but the suite's REQUIRE switch is set (CI: .ci/run sets
//     WASMXDP_REQUIRE_LIVE=1 and WASMXDP_REQUIRE_TOOLS=1): they FAIL, saying why.
import { suite, type Test } from 'uvu';

export type RequireSwitch = 'WASMXDP_REQUIRE_LIVE' | 'WASMXDP_REQUIRE_TOOLS';

export function required(sw: RequireSwitch): boolean {
  return process.env[sw] === '1';
}

/** A suite whose every test is skipped (or, when `sw` is required, which fails once) because of `reason`. */
export function unavailableSuite<T>(name: string, reason: string, sw: RequireSwitch, context?: T): Test<T> {
  const real = suite<T>(name, context);
  if (required(sw)) {
    real(`${name}: environment`, () => { throw new Error(`${sw}=1 but ${reason}`); });
    const failing = ((..._args: unknown[]) => {}) as unknown as Test<T>;
    return Object.assign(failing, { run: () => real.run(), skip: () => {}, only: () => {}, before: real.before, after: real.after }) as Test<T>;
  }
  console.log(`# skipping suite "${name}": ${reason}`);
  // Every test becomes a skipped one, so the runner counts them as skipped.
  const skipping = ((title: string, fn: Parameters<Test<T>['skip']>[1]) => real.skip(title, fn)) as unknown as Test<T>;
  return Object.assign(skipping, { run: () => real.run(), skip: real.skip, only: real.skip, before: real.before, after: real.after }) as Test<T>;
}

type Register<T> = (title: string, fn: Parameters<Test<T>>[1]) => void;

/**
 * Registers tests on `test` that need what `reason` (null: available) says is
 * missing: they run, are skipped (calling `onSkip`, which says so), or fail
 * under `sw`.
 */
export function gatedTests<T>(test: Test<T>, reason: string | null, sw: RequireSwitch, onSkip: () => void): Register<T> {
  return (title, fn) => {
    if (reason === null) test(title, fn);
    else if (required(sw)) test(title, () => { throw new Error(`${sw}=1 but ${reason}`); });
    else { onSkip(); test.skip(title, fn); }
  };
}

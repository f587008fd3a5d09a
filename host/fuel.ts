// CPU budget. V8 cannot interrupt a running wasm call, so every module is
// instrumented at deploy with a fuel counter the guest cannot see or touch:
//
// - a mutable i32 global, exported to the host as `__wx_fuel`;
// - at every function entry and every loop header, the straight-line code that
//   follows is charged: `fuel -= cost; if (fuel < 0) unreachable`. `cost` is the
//   static number of binaryen expressions in the function body (or loop body),
//   nested loop bodies excluded (they are charged at their own header), both
//   arms of an `if` included: an upper bound of the instructions that can run
//   before the next charge point, so a unit of fuel is about one instruction;
// - a direct call of a leaf (a function with no loop and no call, so it runs at
//   most its expression count) adds that count to the caller's charge and runs
//   an unmetered copy of the leaf: small helpers called in a loop add no charge
//   point of their own. The copy is reachable only from those calls;
// - memory.copy / memory.fill / memory.init are also charged by their size
//   (1 unit per 16 bytes), since one instruction could otherwise move megabytes;
// - every call of a host function (import) is charged HOST_CALL_COST, since the
//   host's work is invisible to the counter. The import is given a fresh
//   internal name and a charging wrapper takes over its old one, so every
//   reference by name (direct calls, element segments, ref.func, exports, the
//   start function) reaches the host only through the wrapper: a host function
//   put in a table and called through call_indirect is charged like a direct
//   call.
//
// Exhaustion traps with `unreachable` rather than calling into the host: a JS
// exception could be caught by a guest using wasm exception handling, a trap
// cannot. The host tells a fuel trap from a guest's own `unreachable` by the
// counter: it is negative only right after a failed check.
//
// The global's initial value is the start budget, so an endless start function
// traps during instantiation instead of hanging the deploy. The host refills the
// counter before every batch (Sandbox: fuelPerPacket * n) through the entry
// metering adds, `__wx_batch(n, fuel)`: it sets the counter and calls wx_batch,
// one wasm call where setting the exported global from JS would be a second,
// as costly as the first.

import binaryen from 'binaryen';
import { WasmxdpError } from './errors.js';
import { FUEL_GLOBAL_EXPORT, METERED_BATCH_EXPORT } from './host-functions.js';

export const DEFAULT_START_FUEL = 10_000_000;
import { MAX_FUEL } from './options.js';

export { MAX_FUEL };
/** Charged for each call of a host function (about a microsecond of host work). */
export const HOST_CALL_COST = 1000;
/** Bytes of memory.copy/fill/init per unit of fuel (log2). */
const BULK_BYTES_SHIFT = 4;

const FUEL = '__wx_fuel';

// Features V8 in Node 20 runs; binaryen writes back only what the input used.
const FEATURES = binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.NontrappingFPToInt
  | binaryen.Features.SIMD128 | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt
  | binaryen.Features.SignExt | binaryen.Features.ReferenceTypes | binaryen.Features.Multivalue
  | binaryen.Features.ExceptionHandling | binaryen.Features.TailCall | binaryen.Features.ExtendedConst
  | binaryen.Features.CallIndirectOverlong;

export interface MeterOptions {
  /** Fuel available to the start function at each instantiation. */
  startFuel?: number;
  /** Called now and then while metering; throws to abandon (memory budget). */
  checkpoint?: () => void;
}

type Ref = number;

// Expression wrappers binaryen.js has but its typings omit.
interface SizeAccess { getSize(e: Ref): Ref; setSize(e: Ref, size: Ref): void }
interface BodyAccess { getBody(e: Ref): Ref; setBody(e: Ref, body: Ref): void }
const bx = binaryen as unknown as {
  Function: BodyAccess; Loop: BodyAccess; Call: { setTarget(e: Ref, name: string): void };
  MemoryCopy: SizeAccess; MemoryFill: SizeAccess; MemoryInit: SizeAccess;
  _BinaryenFunctionAddVar(f: Ref, t: number): number;
  _BinaryenExpressionSetType(e: Ref, t: number): void;
  _BinaryenTypeFromHeapType(heapType: number, nullable: boolean): number;
};

/**
 * Host functions run outside the meter: each import moves to a fresh internal
 * name and a wrapper charging HOST_CALL_COST takes over its old one. Every
 * reference by name (direct calls, exports, the start function, element
 * segments, ref.func) then reaches the host only through the wrapper, so a
 * host function put in a table and called through call_indirect is charged
 * like a direct call. Returns the wrapped names with the (exact) reference
 * type a ref.func to the wrapper must have.
 */
function wrapHostFunctions(mod: binaryen.Module, fuel: string, imported: binaryen.FunctionInfo[]): Map<string, number> {
  const wrapped = new Map<string, number>();
  for (const im of imported) {
    const hostName = unusedName(`__wx_host_${im.name}`, (n) => mod.getFunction(n));
    mod.removeFunction(im.name);
    mod.addFunctionImport(hostName, im.module!, im.base!, im.params, im.results);
    const args = binaryen.expandType(im.params).map((t, k) => mod.local.get(k, t));
    const w = mod.addFunction(im.name, im.params, im.results, [],
      mod.block(null, [...charge(mod, fuel, mod.i32.const(HOST_CALL_COST)), mod.call(hostName, args, im.results)], im.results));
    const exact = mod.ref.func(im.name, bx._BinaryenTypeFromHeapType(binaryen.getFunctionInfo(w).type, false));
    wrapped.set(im.name, binaryen.getExpressionType(exact));
  }
  if (wrapped.size === 0) return wrapped;
  // An element segment's entries were typed for the import; re-adding the
  // segments (all of them, in order, since later ones overwrite earlier ones)
  // types them for the wrappers.
  const segments: binaryen.ElementSegmentInfo[] = [];
  for (let i = 0, n = mod.getNumElementSegments(); i < n; i++) segments.push(binaryen.getElementSegmentInfo(mod.getElementSegmentByIndex(i)));
  if (segments.some((s) => s.data.some((name) => wrapped.has(name)))) {
    for (const s of segments) mod.removeElementSegment(s.name);
    for (const s of segments) {
      if (s.table) mod.addActiveElementSegment(s.table, s.name, s.data, s.offset);
      else mod.addPassiveElementSegment(s.name, s.data);
    }
  }
  return wrapped;
}

/** A ref.func read while its target was an import carries the import's type: give it the wrapper's. */
function retypeRefFunc(e: Ref, wrapped: Map<string, number>): void {
  if (!e || binaryen.getExpressionId(e) !== binaryen.RefFuncId) return;
  const t = wrapped.get((binaryen.getExpressionInfo(e) as binaryen.RefFuncInfo).func);
  if (t !== undefined) bx._BinaryenExpressionSetType(e, t);
}

/** Returns the metered module's bytes; throws E_INVALID_WASM if it cannot be metered. */
export function meter(bytes: Uint8Array, opts: MeterOptions = {}): Uint8Array {
  const startFuel = opts.startFuel ?? DEFAULT_START_FUEL;
  if (!Number.isInteger(startFuel) || startFuel < 1 || startFuel > MAX_FUEL) {
    throw new WasmxdpError('E_CONFIG', `startFuel must be an integer from 1 to ${MAX_FUEL}, got ${startFuel}`);
  }
  let mod: binaryen.Module;
  try {
    mod = binaryen.readBinary(bytes);
  } catch (e) {
    throw new WasmxdpError('E_INVALID_WASM', `binaryen cannot read the module to meter it: ${(e as Error).message}`, { cause: e });
  }
  try {
    mod.setFeatures(FEATURES);
    // Internal names come from the guest's name section: pick unused ones.
    const fuel = unusedName(FUEL, (n) => mod.getGlobal(n));
    mod.addGlobal(fuel, binaryen.i32, true, mod.i32.const(startFuel));
    mod.addGlobalExport(fuel, FUEL_GLOBAL_EXPORT);
    const defined: Ref[] = [];
    const imported: binaryen.FunctionInfo[] = [];
    for (let i = 0, n = mod.getNumFunctions(); i < n; i++) {
      const f = mod.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(f);
      if (info.module) imported.push(info); else defined.push(f);
    }
    const wrapped = wrapHostFunctions(mod, fuel, imported);
    const leaves = unmeteredLeaves(mod, defined);
    defined.forEach((f, i) => {
      new FunctionMeter(mod, f, fuel, wrapped, leaves).run(binaryen.getFunctionInfo(f).body);
      if ((i & 255) === 255) opts.checkpoint?.();
    });
    for (let i = 0, n = mod.getNumGlobals(); i < n; i++) retypeRefFunc(binaryen.getGlobalInfo(mod.getGlobalByIndex(i)).init, wrapped);
    addMeteredEntry(mod, fuel);
    opts.checkpoint?.();
    if (!mod.validate()) throw new WasmxdpError('E_INVALID_WASM', 'the metered module does not validate (binaryen); report this module to the wasmxdp developers');
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

/** Exports `(n, fuel) -> { counter = fuel; wx_batch(n) }` (unmetered itself: host code). */
function addMeteredEntry(mod: binaryen.Module, fuel: string): void {
  const exp = mod.getExport('wx_batch');
  if (!exp) return; // validation refuses such a module before it runs
  const info = binaryen.getExportInfo(exp);
  if (info.kind !== binaryen.ExternalFunction) return;
  const i32 = binaryen.i32;
  const name = unusedName(METERED_BATCH_EXPORT, (n) => mod.getFunction(n));
  mod.addFunction(name, binaryen.createType([i32, i32]), i32, [],
    mod.block(null, [mod.global.set(fuel, mod.local.get(1, i32)), mod.call(info.value, [mod.local.get(0, i32)], i32)], i32));
  mod.addFunctionExport(name, METERED_BATCH_EXPORT);
}

/** `fuel -= amount; if (fuel < 0) unreachable`, `amount` an i32 expression. */
function charge(m: binaryen.Module, fuel: string, amount: Ref): Ref[] {
  return [
    m.global.set(fuel, m.i32.sub(m.global.get(fuel, binaryen.i32), amount)),
    m.if(m.i32.lt_s(m.global.get(fuel, binaryen.i32), m.i32.const(0)), m.unreachable()),
  ];
}

function unusedName(base: string, lookup: (name: string) => number): string {
  let name = base;
  for (let i = 1; lookup(name); i++) name = `${base}_${i}`;
  return name;
}

/**
 * A charge that folds leaves stays below this, far from MAX_FUEL (which
 * charge() clamps to); a call past it charges at the metered leaf's entry.
 */
const FOLD_LIMIT = 1 << 24;

/** A function with no loop and no call: it runs at most `cost` expressions. */
interface Leaf { cost: number; unmetered: string }

/**
 * Leaf functions, each with an unmetered copy. A direct call of a leaf adds
 * the leaf's cost to the caller's charge for the code around the call and
 * calls the copy: one charge point fewer per call (a small helper called in a
 * loop doubled the charges the loop paid). The copies are reached only by
 * those direct calls, never exported or put in a table; the leaf itself stays
 * metered for every other way in.
 */
function unmeteredLeaves(mod: binaryen.Module, defined: Ref[]): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  for (const f of defined) {
    const info = binaryen.getFunctionInfo(f);
    let cost = 0, leaf = true;
    const stack: Ref[] = [info.body];
    while (stack.length) {
      const e = stack.pop()!;
      if (!e) continue;
      const id = binaryen.getExpressionId(e);
      if (!LEAF_SAFE(id)) { leaf = false; break; }
      cost++;
      for (const c of childrenOf(e, id)) stack.push(c);
    }
    if (!leaf || cost > MAX_FUEL) continue;
    const name = unusedName(`${info.name}__wx_unmetered`, (n) => mod.getFunction(n));
    mod.addFunction(name, info.params, info.results, info.vars, mod.copyExpression(info.body));
    out.set(info.name, { cost, unmetered: name });
  }
  return out;
}

/** What a leaf may not contain: anything that runs an unbounded or uncounted amount of work, or refers to a function. */
function LEAF_SAFE(id: number): boolean {
  return id !== binaryen.LoopId && id !== binaryen.CallId && id !== binaryen.CallIndirectId && id !== binaryen.RefFuncId
    && id !== binaryen.MemoryCopyId && id !== binaryen.MemoryFillId && id !== binaryen.MemoryInitId
    && id !== binaryen.TryId && id !== binaryen.ThrowId && id !== binaryen.RethrowId;
}

class FunctionMeter {
  private tmp = -1;
  constructor(private readonly mod: binaryen.Module, private readonly func: Ref, private readonly fuel: string,
    private readonly wrapped: Map<string, number>, private readonly leaves: Map<string, Leaf>) {}

  run(body: Ref): void {
    const loops: Ref[] = [];
    const cost = this.scan(body, loops);
    bx.Function.setBody(this.func, this.mod.block(null, [...this.charge(cost), body], binaryen.auto));
    while (loops.length) {
      const loop = loops.pop()!;
      const inner = bx.Loop.getBody(loop);
      const c = this.scan(inner, loops);
      bx.Loop.setBody(loop, this.mod.block(null, [...this.charge(c), inner], binaryen.auto));
    }
  }

  /** `fuel -= cost; if (fuel < 0) unreachable` for a static cost. */
  private charge(cost: number): Ref[] {
    return this.chargeBy(this.mod.i32.const(Math.max(1, Math.min(cost, MAX_FUEL))));
  }

  private chargeBy(amount: Ref): Ref[] {
    return charge(this.mod, this.fuel, amount);
  }

  /** Counts expressions under `root` (not inside loops, which it collects) and meters bulk memory ops. */
  private scan(root: Ref, loops: Ref[]): number {
    let count = 0;
    const stack: Ref[] = [root];
    while (stack.length) {
      const e = stack.pop()!;
      if (!e) continue;
      count++;
      const id = binaryen.getExpressionId(e);
      if (id === binaryen.LoopId) { loops.push(e); continue; }
      for (const c of childrenOf(e, id)) stack.push(c);
      if (id === binaryen.CallId) {
        // A leaf's cost joins this charge (an upper bound, like both arms of
        // an if) and its unmetered copy runs: no charge point of its own.
        const leaf = this.leaves.get((binaryen.getExpressionInfo(e) as binaryen.CallInfo).target);
        if (leaf && count + leaf.cost <= FOLD_LIMIT) { count += leaf.cost; bx.Call.setTarget(e, leaf.unmetered); }
      }
      if (id === binaryen.MemoryCopyId || id === binaryen.MemoryFillId || id === binaryen.MemoryInitId) this.meterBulk(e, id);
      else if (id === binaryen.RefFuncId) retypeRefFunc(e, this.wrapped);
    }
    return count;
  }

  // size' = { tmp = size; fuel -= tmp >> 4; check; tmp }: charged after dest and
  // source are evaluated and before the copy runs.
  private meterBulk(e: Ref, id: number): void {
    const m = this.mod;
    if (this.tmp < 0) this.tmp = bx._BinaryenFunctionAddVar(this.func, binaryen.i32);
    const setter = id === binaryen.MemoryCopyId ? bx.MemoryCopy : id === binaryen.MemoryFillId ? bx.MemoryFill : bx.MemoryInit;
    const size = setter.getSize(e);
    const amount = m.i32.shr_u(m.local.get(this.tmp, binaryen.i32), m.i32.const(BULK_BYTES_SHIFT));
    setter.setSize(e, m.block(null, [m.local.set(this.tmp, size), ...this.chargeBy(amount), m.local.get(this.tmp, binaryen.i32)], binaryen.i32));
  }
}

const FIELDS: Record<number, string[]> = {};
function fields(id: number, names: string[]): void { FIELDS[id] = names; }
fields(binaryen.NopId, []);
fields(binaryen.BlockId, ['children']);
fields(binaryen.IfId, ['condition', 'ifTrue', 'ifFalse']);
fields(binaryen.BreakId, ['condition', 'value']);
fields(binaryen.SwitchId, ['condition', 'value']);
fields(binaryen.CallId, ['operands']);
fields(binaryen.CallIndirectId, ['target', 'operands']);
fields(binaryen.LocalGetId, []);
fields(binaryen.LocalSetId, ['value']);
fields(binaryen.GlobalGetId, []);
fields(binaryen.GlobalSetId, ['value']);
fields(binaryen.LoadId, ['ptr']);
fields(binaryen.StoreId, ['ptr', 'value']);
fields(binaryen.ConstId, []);
fields(binaryen.UnaryId, ['value']);
fields(binaryen.BinaryId, ['left', 'right']);
fields(binaryen.SelectId, ['ifTrue', 'ifFalse', 'condition']);
fields(binaryen.DropId, ['value']);
fields(binaryen.ReturnId, ['value']);
fields(binaryen.MemorySizeId, []);
fields(binaryen.MemoryGrowId, ['delta']);
fields(binaryen.UnreachableId, []);
fields(binaryen.PopId, []);
fields(binaryen.AtomicRMWId, ['ptr', 'value']);
fields(binaryen.AtomicCmpxchgId, ['ptr', 'expected', 'replacement']);
fields(binaryen.AtomicWaitId, ['ptr', 'expected', 'timeout']);
fields(binaryen.AtomicNotifyId, ['ptr', 'notifyCount']);
fields(binaryen.AtomicFenceId, []);
fields(binaryen.SIMDExtractId, ['vec']);
fields(binaryen.SIMDReplaceId, ['vec', 'value']);
fields(binaryen.SIMDShuffleId, ['left', 'right']);
fields(binaryen.SIMDTernaryId, ['a', 'b', 'c']);
fields(binaryen.SIMDShiftId, ['vec', 'shift']);
fields(binaryen.SIMDLoadId, ['ptr']);
fields(binaryen.SIMDLoadStoreLaneId, ['ptr', 'vec']);
fields(binaryen.MemoryInitId, ['dest', 'offset', 'size']);
fields(binaryen.DataDropId, []);
fields(binaryen.MemoryCopyId, ['dest', 'source', 'size']);
fields(binaryen.MemoryFillId, ['dest', 'value', 'size']);
fields(binaryen.RefNullId, []);
fields(binaryen.RefIsNullId, ['value']);
fields(binaryen.RefFuncId, []);
fields(binaryen.RefEqId, ['left', 'right']);
fields(binaryen.TableGetId, ['index']);
fields(binaryen.TableSetId, ['index', 'value']);
fields(binaryen.TableSizeId, []);
fields(binaryen.TableGrowId, ['value', 'delta']);
fields(binaryen.TryId, ['body', 'catchBodies']);
fields(binaryen.ThrowId, ['operands']);
fields(binaryen.RethrowId, []);
fields(binaryen.TupleMakeId, ['operands']);
fields(binaryen.TupleExtractId, ['tuple']);

function childrenOf(e: Ref, id: number): Ref[] {
  const names = FIELDS[id];
  if (!names) {
    throw new WasmxdpError('E_INVALID_WASM', `the module uses an instruction (binaryen expression id ${id}) that fuel metering does not handle; it cannot be given a CPU budget`);
  }
  const out: Ref[] = [];
  if (names.length === 0) return out; // binaryen.js has no info for some leaves (unreachable)
  const info = binaryen.getExpressionInfo(e) as unknown as Record<string, unknown>;
  for (const n of names) {
    const v = info[n];
    if (Array.isArray(v)) { for (const c of v) if (c) out.push(c as Ref); }
    else if (typeof v === 'number' && v !== 0) out.push(v);
  }
  return out;
}

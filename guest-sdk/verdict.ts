// A verdict is a plain integer, XDP's numbering: the action in the low
// ACTION_BITS bits, a redirect target port above them (abi/contract.json).
// Nothing is allocated to return one.

import { ABORTED, ACTION_MASK, DROP, PASS, REDIRECT, TARGET_SHIFT, TX } from "./generated/abi";

export { ABORTED, DROP, PASS, TX, REDIRECT };

export type Verdict = u32;

// @ts-ignore: decorator
@inline export function aborted(): Verdict { return ABORTED; }
// @ts-ignore: decorator
@inline export function drop(): Verdict { return DROP; }
// @ts-ignore: decorator
@inline export function pass(): Verdict { return PASS; }
// @ts-ignore: decorator
@inline export function tx(): Verdict { return TX; }
// @ts-ignore: decorator
@inline export function redirect(port: u32): Verdict { return REDIRECT | (port << TARGET_SHIFT); }

// @ts-ignore: decorator
@inline export function actionOf(v: Verdict): u32 { return v & ACTION_MASK; }
// @ts-ignore: decorator
@inline export function targetOf(v: Verdict): u32 { return v >> TARGET_SHIFT; }

// A verdict is a plain integer, XDP's numbering: action in bits 0-7, redirect
// target port in bits 8-31. Nothing is allocated to return one.

export type Verdict = u32;

export const ABORTED: u32 = 0;
export const DROP: u32 = 1;
export const PASS: u32 = 2;
export const TX: u32 = 3;
export const REDIRECT: u32 = 4;

// @ts-ignore: decorator
@inline export function aborted(): Verdict { return ABORTED; }
// @ts-ignore: decorator
@inline export function drop(): Verdict { return DROP; }
// @ts-ignore: decorator
@inline export function pass(): Verdict { return PASS; }
// @ts-ignore: decorator
@inline export function tx(): Verdict { return TX; }
// @ts-ignore: decorator
@inline export function redirect(port: u32): Verdict { return REDIRECT | (port << 8); }

// @ts-ignore: decorator
@inline export function actionOf(v: Verdict): u32 { return v & 0xff; }
// @ts-ignore: decorator
@inline export function targetOf(v: Verdict): u32 { return v >> 8; }

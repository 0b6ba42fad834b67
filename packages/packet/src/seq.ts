/**
 * Wrap-aware 32-bit TCP sequence arithmetic (RFC 793/1982 style): `a` is before `b` when the signed
 * 32-bit distance from a to b is positive. Inputs are any integers; they are taken modulo 2^32.
 */

/** Signed distance a - b in (-2^31, 2^31]; 2^31 apart reads as -2^31 (undefined order, as in RFC 1982). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** True when `a` comes strictly before `b` in sequence space. */
export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** True when `a` comes strictly after `b` in sequence space. */
export function seqAfter(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/** True when lo <= x <= hi in sequence space (the window starting at lo, inclusive at both ends). */
export function seqBetween(x: number, lo: number, hi: number): boolean {
  return (x - lo) >>> 0 <= (hi - lo) >>> 0;
}

/** a + n modulo 2^32, as an unsigned 32-bit number (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The later of two sequence numbers (wrap-aware). */
export function seqMax(a: number, b: number): number {
  return seqBefore(a, b) ? b >>> 0 : a >>> 0;
}

/** The earlier of two sequence numbers (wrap-aware). */
export function seqMin(a: number, b: number): number {
  return seqBefore(a, b) ? a >>> 0 : b >>> 0;
}

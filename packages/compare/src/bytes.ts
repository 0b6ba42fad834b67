import { Buffer } from "node:buffer";

/** Below this many bytes a JS loop beats the native compare's call overhead (tools/bench/src/compare-bench.ts). */
const NATIVE_COMPARE_MIN = 96;

/**
 * True when a[ao, ao+n) equals b[bo, bo+n); both ranges must be in bounds. The native path compares two
 * subarray views: Buffer's ranged `compare` called on a plain Uint8Array would avoid them, but Deno 2.9's
 * polyfill validates its offsets against the wrong buffer (bytes.test.ts catches it).
 */
export function rangesEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  if (n < NATIVE_COMPARE_MIN) {
    for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
    return true;
  }
  return Buffer.compare(a.subarray(ao, ao + n), b.subarray(bo, bo + n)) === 0;
}

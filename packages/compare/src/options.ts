import { MAX_CONN_CAPACITY } from "@colod/conntrack";
import { CompareOptionError } from "./errors.js";

/** Engine settings; the names follow the colo-compare properties they replace. */
export interface CompareOptions {
  /** A held frame older than this (ms, strictly) makes `scan()` request a checkpoint. Default 3000. */
  compareTimeoutMs?: number;
  /** How often the owner should call `scan()` (ms). The engine has no timer; it only reports this. Default 1000. */
  expiredScanCycleMs?: number;
  /** Exact capacity of each side's queue per connection (QEMU holds one more). Default 1024. */
  maxQueueSize?: number;
  /** Size of the connection table (QEMU: 16384, then it wipes everything). Default 16384. */
  maxConnections?: number;
  /** Clock in milliseconds; injected so tests and simulations control time. Default `Date.now`. */
  now?: () => number;
}

/** The options with defaults filled in and checked. */
export interface ResolvedOptions {
  readonly compareTimeoutMs: number;
  readonly expiredScanCycleMs: number;
  readonly maxQueueSize: number;
  readonly maxConnections: number;
  readonly now: () => number;
}

/** QEMU's DEFAULT_TIME_OUT_MS. */
export const DEFAULT_COMPARE_TIMEOUT_MS = 3000;
/** QEMU's REGULAR_PACKET_CHECK_MS (since 5.2). */
export const DEFAULT_EXPIRED_SCAN_CYCLE_MS = 1000;
/** QEMU's MAX_QUEUE_SIZE. */
export const DEFAULT_MAX_QUEUE_SIZE = 1024;
/** QEMU's HASHTABLE_MAX_SIZE. */
export const DEFAULT_MAX_CONNECTIONS = 16384;

function positiveInt(
  name: string,
  v: number | undefined,
  dflt: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v <= 0 || v > max) {
    throw new CompareOptionError(`compare option ${name} must be an integer in 1..${max}, got ${String(v)}`);
  }
  return v;
}

/** Fills in defaults and rejects values QEMU would reject (zero, negative, fractional). */
export function resolveOptions(opts: CompareOptions): ResolvedOptions {
  const now = opts.now ?? Date.now;
  if (typeof now !== "function")
    throw new CompareOptionError("compare option now must be a function returning ms");
  return {
    compareTimeoutMs: positiveInt("compareTimeoutMs", opts.compareTimeoutMs, DEFAULT_COMPARE_TIMEOUT_MS),
    expiredScanCycleMs: positiveInt(
      "expiredScanCycleMs",
      opts.expiredScanCycleMs,
      DEFAULT_EXPIRED_SCAN_CYCLE_MS,
    ),
    maxQueueSize: positiveInt("maxQueueSize", opts.maxQueueSize, DEFAULT_MAX_QUEUE_SIZE),
    maxConnections: positiveInt(
      "maxConnections",
      opts.maxConnections,
      DEFAULT_MAX_CONNECTIONS,
      MAX_CONN_CAPACITY,
    ),
    now,
  };
}

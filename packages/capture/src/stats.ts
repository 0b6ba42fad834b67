// Sums the per-CPU `stats` map of a loaded object into named counters.
import type { BpfMap } from "libbpf-ts";
import { STAT_NAMES } from "./layout.js";

/** Kernel-side counters of one capture object (all frames on its taps since load). */
export type KernelStats = Record<(typeof STAT_NAMES)[number], number>;

/** Reads and sums the per-CPU counters (u64 each, summed as doubles: exact up to 2^53). */
export function readKernelStats(map: BpfMap): KernelStats {
  const key = new Uint8Array(4);
  const kv = new DataView(key.buffer);
  const buf = new Uint8Array(map.valueBufferSize);
  const dv = new DataView(buf.buffer);
  const out = Object.fromEntries(STAT_NAMES.map((n) => [n, 0])) as KernelStats;
  STAT_NAMES.forEach((name, i) => {
    kv.setUint32(0, i, true);
    if (!map.lookup(key, buf)) return;
    let sum = 0;
    for (let off = 0; off + 8 <= buf.byteLength; off += 8) sum += Number(dv.getBigUint64(off, true));
    out[name] = sum;
  });
  return out;
}

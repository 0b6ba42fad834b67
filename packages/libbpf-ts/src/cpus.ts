// Possible CPUs, which sizes per-CPU map values (not the online count: the kernel uses possible).
import { readFileSync } from "node:fs";

let cached: number | undefined;

/** Number of possible CPUs from /sys/devices/system/cpu/possible (e.g. "0-3" -> 4). */
export function possibleCpus(): number {
  if (cached === undefined) cached = parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"));
  return cached;
}

/** Count CPUs in a kernel cpu list such as "0-3,8,10-11". */
export function parseCpuList(list: string): number {
  let n = 0;
  for (const part of list.trim().split(",")) {
    const [a, b] = part.split("-").map(Number);
    n += b === undefined ? 1 : b - (a ?? 0) + 1;
  }
  return n;
}

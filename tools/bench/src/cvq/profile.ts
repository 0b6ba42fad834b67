// Reads a V8/JSC `.cpuprofile` (Chrome DevTools format, what `node --cpu-prof` and `bun --cpu-prof` write)
// and ranks functions by self time.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** One function's share of the sampled time. */
export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Entries that are not JavaScript the daemon runs: left out of the shares. */
const IDLE = new Set(["(idle)", "(root)"]);

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"} ${where}`.trim();
}

/** Self time per function (by name and location) of one profile, busiest first. */
export function selfTimes(profile: CpuProfile): { top: SelfTime[]; busyMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0) {
    for (let i = 0; i < samples.length; i++) {
      const n = byId.get(samples[i]!);
      if (!n) continue;
      const k = label(n);
      ms.set(k, (ms.get(k) ?? 0) + Math.max(0, deltas[i] ?? 0) / 1000);
    }
  } else {
    const per = (profile.endTime - profile.startTime) / 1000 / Math.max(1, sumHits(profile));
    for (const n of profile.nodes) ms.set(label(n), (ms.get(label(n)) ?? 0) + (n.hitCount ?? 0) * per);
  }
  let busyMs = 0;
  for (const [k, v] of ms) if (!IDLE.has(k)) busyMs += v;
  const top = [...ms]
    .filter(([k]) => !IDLE.has(k))
    .map(([name, v]) => ({ name, ms: v, share: v / busyMs }))
    .sort((a, b) => b.ms - a.ms);
  return { top, busyMs };
}

function sumHits(p: CpuProfile): number {
  return p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
}

/** Parses the newest `.cpuprofile` in dir. */
export function readProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const f = files.sort().at(-1);
  if (!f) throw new Error(`no .cpuprofile in ${dir}: did the daemon exit cleanly after SIGTERM?`);
  return JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile;
}

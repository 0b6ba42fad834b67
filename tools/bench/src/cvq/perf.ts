// Sampling profile of a running daemon with Linux perf (used for Deno, which has no --cpu-prof): V8's
// --perf-basic-prof writes /tmp/perf-PID.map so JIT frames get names; kernel and native frames come for free.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { sleep } from "./procs.js";
import type { SelfTime } from "./profile.js";

/** Top symbols, and self share per object (kernel, the runtime binary, libc, JIT code). */
export interface PerfReport {
  top: SelfTime[];
  byObject: SelfTime[];
  samples: string;
}

/** A perf recording attached to one process. */
export interface PerfRecording {
  /** Stops recording and returns the top symbols by self samples. */
  stop(): Promise<PerfReport>;
}

/** True when `perf` exists and may sample this user's processes. */
export function perfAvailable(): boolean {
  return spawnSync("perf", ["--version"]).status === 0;
}

/** Starts `perf record` (999 Hz, no call graphs) on pid, writing to file. */
export async function perfRecord(pid: number, file: string): Promise<PerfRecording> {
  const proc: ChildProcess = spawn("perf", ["record", "-q", "-F", "999", "-p", String(pid), "-o", file], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  await sleep(300);
  return {
    stop: async () => {
      proc.kill("SIGINT");
      await Promise.race([exited, sleep(10_000)]);
      const r = spawnSync(
        "perf",
        ["report", "-i", file, "--stdio", "--no-children", "--sort", "dso,symbol"],
        {
          encoding: "utf8",
          maxBuffer: 64 * 2 ** 20,
        },
      );
      rmSync(file, { force: true });
      return parseReport(r.stdout ?? "");
    },
  };
}

/** Reads `perf report --stdio --sort dso,symbol` lines: `  12.34%  deno  [.] Name`. */
function parseReport(text: string): PerfReport {
  const samples = /^# Samples: (\S+)/m.exec(text)?.[1] ?? "?";
  const top: SelfTime[] = [];
  const objects = new Map<string, number>();
  for (const line of text.split("\n")) {
    // dso may contain spaces ("[JIT] tid 123"); perf pads with "-" columns when it has no srcline.
    const m = /^\s+([\d.]+)%\s+(.+?)\s+\[[.k]\]\s+(.*?)[\s-]*$/.exec(line);
    if (!m) continue;
    const dso = m[2]!.startsWith("[JIT]") ? "JIT" : m[2]!;
    objects.set(dso, (objects.get(dso) ?? 0) + Number(m[1]) / 100);
    top.push({
      name: `${m[3]!.replace(/file:\/\/\S*\//, "").slice(0, 90)} (${dso})`,
      ms: Number.NaN,
      share: Number(m[1]) / 100,
    });
  }
  const byObject = [...objects]
    .map(([name, share]) => ({ name, ms: Number.NaN, share }))
    .sort((a, b) => b.share - a.share);
  return { top, byObject, samples };
}

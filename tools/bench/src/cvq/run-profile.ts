// Profiles of the colod daemon during one throughput run: `--cpu-prof` on Node and Bun (JavaScript self
// time, written when the daemon exits after SIGTERM), Linux perf on Deno (or everywhere with --perf).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunResult, throughputRun } from "./feed.js";
import { perfAvailable, perfRecord } from "./perf.js";
import { type Runtime, startColod } from "./procs.js";
import { readProfile, type SelfTime, selfTimes } from "./profile.js";
import type { Workload } from "./workload.js";

/** Which daemon to profile and how. */
export interface ProfileOptions {
  /** colod cli.js to run instead of the installed one. */
  bin?: string;
  /** Use perf on every runtime, not only on Deno. */
  perf: boolean;
}

/** Profiles colod on each runtime for one throughput run of `w` and prints the top self-time entries. */
export async function profileColod(w: Workload, runtimes: Runtime[], o: ProfileOptions): Promise<void> {
  for (const rt of runtimes) {
    if (o.perf || rt === "deno") await perfProfile(o, rt, w);
    else await cpuProfile(o, rt, w);
  }
}

function colodSpawn(o: ProfileOptions, rt: Runtime, flags: string[]) {
  return { runtime: rt, ...(o.bin ? { bin: o.bin } : {}), runtimeFlags: flags };
}

function printTop(top: SelfTime[], n: number): void {
  for (const f of top.slice(0, n)) {
    const ms = Number.isNaN(f.ms) ? "" : `${f.ms.toFixed(0).padStart(6)} ms  `;
    console.log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${ms}${f.name}`);
  }
}

/** node/bun --cpu-prof: JavaScript self time, written when the daemon exits after SIGTERM. */
async function cpuProfile(o: ProfileOptions, rt: Runtime, w: Workload): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cvq-prof-"));
  const c = await startColod({}, colodSpawn(o, rt, ["--cpu-prof", `--cpu-prof-dir=${dir}`]));
  let r: RunResult;
  try {
    r = await throughputRun(c, w);
  } finally {
    await c.stop("SIGTERM");
  }
  const { top, busyMs } = selfTimes(readProfile(dir));
  rmSync(dir, { recursive: true, force: true });
  const status = r.ok ? "ok" : `FAILED: ${r.why}`;
  console.log(
    `  colod/${rt} --cpu-prof on ${w.name}: ${status}, ${busyMs.toFixed(0)} ms sampled (idle excluded)`,
  );
  printTop(top, 15);
}

/** perf record on the daemon: native, kernel and (node/deno, --perf-basic-prof) JIT frames by self samples. */
async function perfProfile(o: ProfileOptions, rt: Runtime, w: Workload): Promise<void> {
  if (!perfAvailable()) {
    console.log(`  colod/${rt}: perf is not available, no profile`);
    return;
  }
  const flags = rt === "deno" ? ["--v8-flags=--perf-basic-prof"] : rt === "node" ? ["--perf-basic-prof"] : [];
  const c = await startColod({}, colodSpawn(o, rt, flags));
  const rec = await perfRecord(c.proc.pid!, join(tmpdir(), `cvq-${c.proc.pid}.perf`));
  let r: RunResult;
  try {
    r = await throughputRun(c, w);
  } finally {
    const rep = await rec.stop();
    await c.stop();
    rmSync(`/tmp/perf-${c.proc.pid}.map`, { force: true });
    const objs = rep.byObject.slice(0, 5).map((o) => `${o.name} ${(o.share * 100).toFixed(0)}%`);
    console.log(`  colod/${rt} perf on ${w.name}: ${rep.samples} samples; by object: ${objs.join(", ")}`);
    printTop(rep.top, 20);
  }
  if (!r.ok) console.log(`    (run FAILED: ${r.why})`);
}

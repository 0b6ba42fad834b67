// Drives one comparator with one workload: the writer alternates 64 KiB chunks of the pre-built primary and
// secondary streams (or paces whole pairs at a fixed rate, for latency), the reader checks every released
// frame as it arrives. A run that does not release exactly the expected frames is reported as failed.
import type { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import { type Comparator, cpuSeconds, sleep } from "./procs.js";
import { OutputVerifier, type VerifyResult } from "./verify.js";
import type { Workload } from "./workload.js";

/** Issue 7's writer: 64 KiB at a time, primary then secondary. */
export const CHUNK = 64 * 1024;
/** A run fails when nothing more was released for this long after the writer finished. */
const STALL_MS = 5_000;
/** A write that cannot drain for this long means the comparator stopped reading: the run fails. */
const DRAIN_MS = 30_000;

/** The three sockets of one run, already connected. */
export interface Peers {
  pri: Socket;
  sec: Socket;
  out: Socket;
}

/** Outcome of one run: timing, the comparator's CPU time, and the verifier's verdict. */
export interface RunResult {
  ok: boolean;
  seconds: number;
  cpuSeconds: number;
  verify: VerifyResult;
  expected: number;
  why?: string;
}

function connectRetry(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      const s = connect({ path });
      s.once("connect", () => {
        s.off("error", onError);
        resolve(s);
      });
      const onError = (e: Error) => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`cannot connect to ${path}: ${e.message}`));
        else setTimeout(attempt, 20);
      };
      s.once("error", onError);
    };
    attempt();
  });
}

/** Connects outdev first (so nothing released waits), then primary and secondary. */
export async function connectPeers(c: Comparator): Promise<Peers> {
  const out = await connectRetry(c.outdev);
  const pri = await connectRetry(c.primary);
  const sec = await connectRetry(c.secondary);
  for (const s of [pri, sec, out]) s.on("error", () => {});
  await c.connected();
  return { pri, sec, out };
}

/** Destroys the three sockets. */
export function closePeers(p: Peers): void {
  for (const s of [p.pri, p.sec, p.out]) s.destroy();
}

function drained(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off("drain", done);
      s.off("close", done);
      reject(new Error(`comparator stopped reading its input for ${DRAIN_MS} ms`));
    }, DRAIN_MS);
    const done = () => {
      clearTimeout(timer);
      s.off("drain", done);
      s.off("close", done);
      resolve();
    };
    s.on("drain", done);
    s.on("close", done);
  });
}

/** Writes bytes [from, to) of both streams, alternating CHUNK-sized pieces, honouring back-pressure. */
export async function writeAlternating(
  p: Peers,
  pri: Buffer,
  sec: Buffer,
  from: number,
  to: number,
): Promise<void> {
  for (let off = from; off < to; off += CHUNK) {
    const end = Math.min(off + CHUNK, to);
    p.pri.write(pri.subarray(off, end));
    p.sec.write(sec.subarray(off, end));
    // Checked after both writes: waiting on one socket can let the other's drain pass unseen.
    if (p.pri.writableNeedDrain) await drained(p.pri);
    if (p.sec.writableNeedDrain) await drained(p.sec);
  }
}

/** Writes bytes [from, to) of one stream in CHUNK-sized pieces, honouring back-pressure. */
async function writeOne(s: Socket, b: Buffer, from: number, to: number): Promise<void> {
  for (let off = from; off < to; off += CHUNK) {
    s.write(b.subarray(off, Math.min(off + CHUNK, to)));
    if (s.writableNeedDrain) await drained(s);
  }
}

/** Resolves once `done()` holds, or rejects-free with a reason after a stall or the overall limit. */
async function waitFor(
  done: () => boolean,
  progress: () => number,
  limitMs: number,
): Promise<string | undefined> {
  const t0 = Date.now();
  let last = progress();
  let lastAt = Date.now();
  while (!done()) {
    await sleep(5);
    const now = progress();
    if (now !== last) {
      last = now;
      lastAt = Date.now();
    } else if (Date.now() - lastAt > STALL_MS) return `stalled: nothing released for ${STALL_MS} ms`;
    if (Date.now() - t0 > limitMs) return `not done within ${limitMs} ms`;
  }
  return undefined;
}

function verdict(
  v: OutputVerifier,
  expected: number,
  why: string | undefined,
): Pick<RunResult, "ok" | "why"> {
  if (why === undefined && v.bad === 0 && v.released !== expected)
    why = `released ${v.released} of ${expected}`;
  if (why === undefined && v.bad > 0) why = `${v.bad} bad frames, first: ${v.firstBad}`;
  return why === undefined ? { ok: true } : { ok: false, why };
}

/** Throughput: everything as fast as the comparator takes it; time from first write to last release. */
export async function throughputRun(c: Comparator, w: Workload): Promise<RunResult> {
  const p = await connectPeers(c);
  const v = new OutputVerifier(w);
  let tEnd = 0;
  p.out.on("data", (chunk: Buffer) => {
    v.push(chunk, 0);
    if (v.released + v.bad >= w.pairs && tEnd === 0) tEnd = performance.now();
  });
  const pid = c.proc.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await writeAlternating(p, w.primary, w.secondary, 0, w.primary.length);
  const why = await waitFor(
    () => tEnd !== 0,
    () => v.released + v.bad,
    120_000,
  );
  const cpu = cpuSeconds(pid) - cpu0;
  closePeers(p);
  const seconds = ((tEnd || performance.now()) - t0) / 1000;
  return { ...verdict(v, w.pairs, why), seconds, cpuSeconds: cpu, verify: v.result(), expected: w.pairs };
}

/** Latency figures of one paced run, in microseconds. */
export interface LatencyResult extends RunResult {
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Latency: whole pairs at `rate` pairs/s for `seconds`, written every millisecond; a frame's added latency is
 * its arrival on outdev minus the moment its pair had been written. The first `warmup` share is not counted.
 */
export async function latencyRun(
  c: Comparator,
  w: Workload,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const n = Math.min(w.pairs, Math.floor(rate * seconds));
  const sentAt = new Float64Array(n);
  const lat = new Float64Array(n);
  const p = await connectPeers(c);
  const v = new OutputVerifier(w, undefined);
  v.onRelease = (i, now) => {
    lat[i] = now - sentAt[i]!;
  };
  p.out.on("data", (chunk: Buffer) => v.push(chunk, performance.now()));
  const pid = c.proc.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let sent = 0;
  while (sent < n) {
    const target = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate));
    if (target > sent) {
      p.pri.write(w.primary.subarray(w.offsets[sent]!, w.offsets[target]!));
      p.sec.write(w.secondary.subarray(w.offsets[sent]!, w.offsets[target]!));
      sentAt.fill(performance.now(), sent, target);
      sent = target;
    }
    await sleep(1);
  }
  const why = await waitFor(
    () => v.released + v.bad >= n,
    () => v.released + v.bad,
    60_000,
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  closePeers(p);
  const counted = lat.subarray(Math.floor(n * 0.1)).sort();
  const us = (x: number) => x * 1000;
  return {
    ...verdict(v, n, why),
    seconds: elapsed,
    cpuSeconds: cpu,
    verify: v.result(),
    expected: n,
    rate,
    p50: us(percentile(counted, 0.5)),
    p99: us(percentile(counted, 0.99)),
    p999: us(percentile(counted, 0.999)),
    max: us(counted[counted.length - 1] ?? Number.NaN),
  };
}

/** Peak RSS of one memory run, in MiB. */
export interface MemoryResult extends RunResult {
  idleMiB: number;
  peakMiB: number;
  rssMiB: number;
}

/**
 * Memory: `w`'s primaries, but secondaries only for pairs from `secondaryFrom` on, so the earlier primaries
 * stay held. The last pair is released only after every primary before it was read: then the peak is read.
 */
export async function memoryRun(
  c: Comparator,
  w: Workload,
  secondaryFrom: number,
  rss: (pid: number) => { rss: number; peak: number },
): Promise<MemoryResult> {
  const p = await connectPeers(c);
  const pid = c.proc.pid!;
  const idle = rss(pid).peak;
  const expect = Array.from({ length: w.pairs - secondaryFrom }, (_, k) => secondaryFrom + k);
  const v = new OutputVerifier(w, expect);
  p.out.on("data", (chunk: Buffer) => v.push(chunk, 0));
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const from = w.offsets[secondaryFrom]!;
  const end = w.primary.length;
  if (from > 0) await writeOne(p.pri, w.primary, 0, from);
  await writeAlternating(p, w.primary, w.secondary, from, end);
  const why = await waitFor(
    () => v.released + v.bad >= expect.length,
    () => v.released + v.bad,
    60_000,
  );
  // Let a garbage collector that runs on idle finish what the load started before reading the peak.
  await sleep(500);
  const m = rss(pid);
  const cpu = cpuSeconds(pid) - cpu0;
  closePeers(p);
  return {
    ...verdict(v, expect.length, why),
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpu,
    verify: v.result(),
    expected: expect.length,
    idleMiB: idle,
    peakMiB: m.peak,
    rssMiB: m.rss,
  };
}

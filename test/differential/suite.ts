// Declares one vitest suite per option set: one QEMU for the set, each scenario run through QEMU and
// @colod/compare; or one colod process for the set, each scenario run through it.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { currentRuntime } from "../harness/runtime.js";
import { ColodRunner } from "./colod-runner.js";
import { type ColodPeer, startProcessRunner } from "./process-runner.js";
import { startQemuRunner } from "./qemu-runner.js";
import {
  type BuiltStep,
  buildSteps,
  type OptionSet,
  type Outcome,
  type Scenario,
  type Summary,
  summarize,
  validateScenario,
} from "./scenario.js";
import type { SocketRunner } from "./socket-runner.js";

/** QEMU 7.2 must produce exactly the scenario's outcome (the timer's repeated requests: at least two). */
export function expectQemuOutcome(q: Summary, e: Outcome): void {
  expect({ out: q.out, flushed: q.flushed, replies: q.replies, other: q.other, aborts: q.aborts }).toEqual({
    out: e.out,
    flushed: e.flushed,
    replies: e.replies ?? 0,
    other: [],
    aborts: e.aborts ?? false,
  });
  if (e.checkpoints === "repeated") expect(q.checkpoints).toBeGreaterThanOrEqual(2);
  else expect(q.checkpoints, "DO_CHECKPOINT count").toBe(e.checkpoints);
}

/**
 * colod must produce the outcome. Its requests are coalesced (SPEC 6): against QEMU's count n it sends none when
 * n is 0 and 1..n otherwise; against its own expectColod (virtual clock, deterministic) the count is exact, unless
 * `exact` is false (the process, on the wall clock, gets the same 1..n tolerance).
 */
export function expectColodOutcome(c: Summary, e: Outcome, exact: boolean): void {
  expect({ out: c.out, flushed: c.flushed, replies: c.replies, other: c.other }).toEqual({
    out: e.out,
    flushed: e.flushed,
    replies: e.replies ?? 0,
    other: [],
  });
  const n = e.checkpoints;
  if (n === "repeated") expect(c.checkpoints).toBeGreaterThanOrEqual(1);
  else if (exact || n === 0) expect(c.checkpoints, "DO_CHECKPOINT count").toBe(n);
  else {
    expect(c.checkpoints, "DO_CHECKPOINT count").toBeGreaterThanOrEqual(1);
    expect(c.checkpoints, "DO_CHECKPOINT count").toBeLessThanOrEqual(n);
  }
}

/** One describe block: a QEMU for `set`, a test per scenario. */
export function differentialSuite(set: OptionSet, scenarios: Scenario[]): void {
  describe(`differential, option set ${set}`, () => {
    let qemu: SocketRunner;
    let colod: ColodRunner;
    beforeAll(async () => {
      // One after the other: if the second fails, afterAll still stops the first.
      qemu = await startQemuRunner(set);
      colod = await ColodRunner.start(set);
    });
    afterAll(async () => {
      await Promise.all([qemu?.stop(), colod?.stop()]);
    });

    scenarios.forEach((sc, i) => {
      test(`${sc.id}: ${sc.title}`, async () => {
        const steps = buildSteps(sc, i + 1);
        expect(validateScenario(sc, steps)).toEqual([]);
        const q = summarize(steps, await qemu.run(steps));
        expectQemuOutcome(q, sc.expect);
        const c = summarize(steps, await colod.run(steps));
        expectColodOutcome(c, sc.expectColod ?? sc.expect, sc.expectColod !== undefined);
        if (!sc.expectColod)
          expect({ out: c.out, flushed: c.flushed }).toEqual({ out: q.out, flushed: q.flushed });
      });
    });
  });
}

/** Zero-length frames a step list writes (colod must ignore and count each, SPEC 2). */
function zeroLengthFrames(steps: BuiltStep[], vnetHdr: boolean): number {
  const width = vnetHdr ? 8 : 4;
  return steps.filter((st) => "to" in st && st.wire.length === width && st.wire.every((b) => b === 0)).length;
}

/** Log lines of a level ("error"), parsed. */
function logLines(stderr: string, level: string): unknown[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes(`"level":"${level}"`))
    .map((l) => JSON.parse(l) as unknown);
}

/**
 * One describe block: a colod process for `set`, a test per scenario against colod's expected outcome
 * (wall-clock timing, so DO_CHECKPOINT counts get the coalescing tolerance), then a check that it survived.
 */
export function processSuite(set: OptionSet, scenarios: Scenario[]): void {
  describe(`colod process, option set ${set}`, () => {
    let colod: SocketRunner<ColodPeer>;
    let zeroLength = 0;
    beforeAll(async () => {
      colod = await startProcessRunner(set);
    });
    afterAll(async () => {
      await colod?.stop();
    });

    scenarios.forEach((sc, i) => {
      test(`${sc.id}: ${sc.title}`, async () => {
        const steps = buildSteps(sc, i + 1);
        zeroLength += zeroLengthFrames(steps, set === "vnet");
        const { colod: proc } = colod.peer;
        const before = proc.events("checkpoint.request").length;
        const c = summarize(steps, await colod.run(steps));
        expect(c.aborts, "colod exited during the scenario").toBe(false);
        try {
          expectColodOutcome(c, sc.expectColod ?? sc.expect, false);
        } catch (e) {
          // Why colod asked for checkpoints is in its log: the first thing to read when a count differs.
          const asked = proc.events("checkpoint.request").slice(before);
          (e as Error).message += `\ncolod's checkpoint.request log lines: ${JSON.stringify(asked)}`;
          throw e;
        }
      });
    });

    test("colod is still running, counted every zero-length frame, logged no error, exits 0 on SIGTERM", async () => {
      const { colod: proc } = colod.peer;
      expect(colod.peer.exited()).toBeUndefined();
      expect(proc.events("input.zero_length").length).toBe(zeroLength);
      expect(logLines(proc.stderr(), "error")).toEqual([]);
      const status = await colod.peer.terminate();
      // The final checkpoint of every scenario released everything: shutdown has nothing left to release.
      expect(proc.events("instance.stopped").map((e) => e.releasedAtShutdown)).toEqual([0]);
      expect(proc.events("colod.exit").map((e) => e.code)).toEqual([0]);
      // Deno's child_process reports a child that handled SIGTERM and exited 0 as (null, "SIGTERM").
      const denoQuirk = currentRuntime().name === "deno" && status?.code === null;
      expect(status).toEqual(denoQuirk ? { code: null, signal: "SIGTERM" } : { code: 0, signal: null });
    });
  });
}

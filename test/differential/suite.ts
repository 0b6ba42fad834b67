// Declares one vitest suite per option set: one QEMU for the set, each scenario run through QEMU and @colod/compare.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ColodRunner } from "./colod-runner.js";
import { QemuRunner } from "./qemu-runner.js";
import {
  buildSteps,
  type OptionSet,
  type Outcome,
  type Scenario,
  type Summary,
  summarize,
  validateScenario,
} from "./scenario.js";

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
 * n is 0 and 1..n otherwise; against its own expectColod (virtual clock, deterministic) the count is exact.
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
    let qemu: QemuRunner;
    let colod: ColodRunner;
    beforeAll(async () => {
      // One after the other: if the second fails, afterAll still stops the first.
      qemu = await QemuRunner.start(set);
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

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { seqAdd, seqAfter, seqBefore, seqBetween, seqDiff, seqMax, seqMin } from "./seq.js";

const MAX = 0xffffffff;
const HALF = 0x80000000;

describe("sequence arithmetic at the wrap", () => {
  test("seqAdd wraps to an unsigned result", () => {
    expect(seqAdd(MAX, 1)).toBe(0);
    expect(seqAdd(MAX - 1, 5)).toBe(3);
    expect(seqAdd(0, -1)).toBe(MAX);
    expect(seqAdd(10, -20)).toBe(MAX - 9);
    expect(seqAdd(HALF, HALF)).toBe(0);
  });

  test("seqDiff is signed across the wrap", () => {
    expect(seqDiff(2, MAX)).toBe(3);
    expect(seqDiff(MAX, 2)).toBe(-3);
    expect(seqDiff(5, 5)).toBe(0);
    expect(seqDiff(HALF - 1, 0)).toBe(HALF - 1);
    expect(seqDiff(HALF + 1, 0)).toBe(-(HALF - 1));
  });

  test("before/after across the wrap", () => {
    expect(seqBefore(MAX, 0)).toBe(true);
    expect(seqAfter(0, MAX)).toBe(true);
    expect(seqBefore(0, MAX)).toBe(false);
    expect(seqAfter(MAX, 0)).toBe(false);
    expect(seqBefore(7, 7)).toBe(false);
    expect(seqAfter(7, 7)).toBe(false);
    expect(seqBefore(0xfffffff0, 0x10)).toBe(true);
    expect(seqBefore(0x10, 0x7fffffff)).toBe(true);
  });

  test("seqBetween is inclusive and wrap-aware", () => {
    expect(seqBetween(0, MAX - 1, 3)).toBe(true);
    expect(seqBetween(MAX - 1, MAX - 1, 3)).toBe(true);
    expect(seqBetween(3, MAX - 1, 3)).toBe(true);
    expect(seqBetween(4, MAX - 1, 3)).toBe(false);
    expect(seqBetween(MAX - 2, MAX - 1, 3)).toBe(false);
    expect(seqBetween(100, 10, 20)).toBe(false);
  });

  test("seqMax/seqMin pick by sequence order, not numeric order", () => {
    expect(seqMax(MAX, 1)).toBe(1);
    expect(seqMin(MAX, 1)).toBe(MAX);
    expect(seqMax(3, 9)).toBe(9);
  });
});

describe("sequence arithmetic properties", () => {
  const u32 = fc.integer({ min: 0, max: MAX });
  const step = fc.integer({ min: 1, max: HALF - 1 });

  test("a + n is after a for 0 < n < 2^31, and the distance is n", () => {
    fc.assert(
      fc.property(u32, step, (a, n) => {
        const b = seqAdd(a, n);
        return seqAfter(b, a) && seqBefore(a, b) && seqDiff(b, a) === n && seqBetween(b, a, seqAdd(b, 1));
      }),
    );
  });

  test("exactly one of before/equal/after holds away from the 2^31 antipode", () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        fc.pre(seqDiff(a, b) !== -HALF);
        return [seqBefore(a, b), a === b, seqAfter(a, b)].filter(Boolean).length === 1;
      }),
    );
  });
});

import { expect, test } from "vitest";
import { turnClock } from "./clock.js";

test("one read per turn: the same time within a turn, a fresh read in the next", async () => {
  let reads = 0;
  const now = turnClock(() => ++reads * 1000);
  expect([now(), now(), now()]).toEqual([1000, 1000, 1000]);
  expect(reads).toBe(1);
  await Promise.resolve();
  expect(now()).toBe(2000);
  await new Promise((r) => setTimeout(r, 1));
  expect(now()).toBe(3000);
  expect(reads).toBe(3);
});

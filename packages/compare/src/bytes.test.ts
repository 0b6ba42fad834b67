import { expect, test } from "vitest";
import { rangesEqual } from "./bytes.js";

test("rangesEqual compares exactly the two ranges, below and above the native-compare threshold", () => {
  for (const n of [0, 1, 95, 96, 97, 1448]) {
    const a = new Uint8Array(n + 20).map((_, i) => i * 7);
    const b = new Uint8Array(n + 40);
    b.set(a.subarray(5, 5 + n), 30);
    expect(rangesEqual(a, 5, b, 30, n)).toBe(true);
    if (n === 0) continue;
    for (const at of [0, n >> 1, n - 1]) {
      const c = b.slice();
      c[30 + at]! ^= 0x80;
      expect(rangesEqual(a, 5, c, 30, n)).toBe(false);
    }
    const d = b.slice();
    d[29]! ^= 1; // just outside the range
    d[30 + n]! ^= 1;
    expect(rangesEqual(a, 5, d, 30, n)).toBe(true);
  }
});

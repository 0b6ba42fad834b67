import { describe, expect, test } from "vitest";
import { roleConfig } from "./capture.js";
import { ALL_CLASSES, FrameClass } from "./layout.js";
import { Slab } from "./slab.js";

describe("Slab", () => {
  test("copies are stable after the source changes and share chunks", () => {
    const slab = new Slab(1024);
    const src = new Uint8Array(100).map((_, i) => i);
    const a = slab.copy(src, 10, 20);
    const b = slab.copy(src, 0, 5);
    src.fill(0xff);
    expect(Array.from(a)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(Array.from(b)).toEqual([0, 1, 2, 3, 4]);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset % 8).toBe(0);
  });

  test("a full chunk starts a new one without touching earlier copies", () => {
    const slab = new Slab(256);
    const src = new Uint8Array(60).fill(7);
    const copies = Array.from({ length: 10 }, () => slab.copy(src, 0, 60));
    src.fill(1);
    for (const c of copies) expect(c.every((x) => x === 7)).toBe(true);
    expect(new Set(copies.map((c) => c.buffer)).size).toBeGreaterThan(1);
  });

  test("large frames get their own array", () => {
    const slab = new Slab(1024);
    const big = slab.copy(new Uint8Array(600).fill(3), 0, 600);
    expect(big.byteLength).toBe(600);
    expect(big.buffer.byteLength).toBe(600);
  });
});

describe("roleConfig", () => {
  const masks = (v: Uint8Array) => [
    new DataView(v.buffer).getUint32(0, true),
    new DataView(v.buffer).getUint32(4, true),
  ];
  test("primary captures and drops IPv4 only", () => {
    expect(masks(roleConfig("primary"))).toEqual([FrameClass.IPv4, FrameClass.IPv4]);
  });
  test("secondary captures IPv4 and drops everything", () => {
    expect(masks(roleConfig("secondary"))).toEqual([FrameClass.IPv4, ALL_CLASSES]);
  });
});

import { Buffer } from "node:buffer";
import { expect, test } from "vitest";
import { OutputVerifier } from "./verify.js";
import {
  frameIndex,
  heldWorkload,
  mixedWorkload,
  tcpWorkload,
  udpWorkload,
  type Workload,
} from "./workload.js";

/** Feeds `bytes` in pieces of `step` bytes (splitting frames and length words anywhere). */
function feed(w: Workload, bytes: Buffer, step: number, only?: number[]): OutputVerifier {
  const v = new OutputVerifier(w, only);
  for (let o = 0; o < bytes.length; o += step) v.push(bytes.subarray(o, o + step), 0);
  return v;
}

function frame(w: Workload, b: Buffer, i: number): Buffer {
  return b.subarray(w.offsets[i]!, w.offsets[i + 1]!);
}

function ipChecksumOk(f: Buffer): boolean {
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

test("the primary stream itself passes, whatever the chunking", () => {
  for (const w of [udpWorkload(3000), tcpWorkload(500), mixedWorkload(800)]) {
    for (const step of [1, 7, 1500, 65536]) {
      const v = feed(w, w.primary, step);
      expect(v.result()).toEqual({ released: w.pairs, bad: 0, reordered: 0 });
    }
  }
});

test("a changed byte, a duplicate, a secondary frame and a missing frame are all caught", () => {
  const w = udpWorkload(2000);
  const flipped = Buffer.from(w.primary);
  flipped[w.offsets[1234]! + 4 + 60]! ^= 0x01;
  const f = feed(w, flipped, 4096);
  expect(f.bad).toBe(1);
  expect(f.released).toBe(w.pairs - 1);
  expect(f.firstBad).toMatch(/frame 1234/);

  const dup = Buffer.concat([w.primary, frame(w, w.primary, 17)]);
  expect(feed(w, dup, 999).result()).toMatchObject({ released: w.pairs, bad: 1 });

  expect(feed(w, frame(w, w.secondary, 5), 64).result()).toMatchObject({ released: 0, bad: 1 });

  const short = w.primary.subarray(0, w.offsets[w.pairs - 1]!);
  expect(feed(w, short, 65536).released).toBe(w.pairs - 1);
});

test("frames of one connection out of order are counted as reordered, not as bad", () => {
  const w = udpWorkload(3000, 1000);
  // Pairs 5 and 1005 share connection 5: swap them.
  const swapped = Buffer.concat([frame(w, w.primary, 1005), frame(w, w.primary, 5)]);
  const v = feed(w, swapped, 100);
  expect(v.result()).toEqual({ released: 2, bad: 0, reordered: 1 });
});

test("inputs: every pair carries its index, valid IP checksums, and the same compared bytes on both sides", () => {
  for (const w of [udpWorkload(70_000), tcpWorkload(300), mixedWorkload(400)]) {
    for (const i of [0, 1, 2, 7, w.pairs - 1]) {
      const p = frame(w, w.primary, i).subarray(4);
      const s = frame(w, w.secondary, i).subarray(4);
      expect(frameIndex(p, 0)).toBe(i);
      expect(ipChecksumOk(p) && ipChecksumOk(s)).toBe(true);
      expect(s[22]).toBe(63); // the secondary's TTL differs
      expect(Buffer.compare(p.subarray(34), s.subarray(34))).toBe(0);
    }
  }
});

test("TCP segments of a connection follow each other in sequence space", () => {
  const w = tcpWorkload(200, 50);
  const seq = (i: number) => frame(w, w.primary, i).readUInt32BE(4 + 14 + 20 + 4);
  expect((seq(50) - seq(0)) >>> 0).toBe(1448);
  expect((seq(150) - seq(100)) >>> 0).toBe(1448);
});

test("the held-frames workload ends with a marker pair on a connection of its own", () => {
  const w = heldWorkload(1000, 10);
  expect(w.flowOf[999]).toBe(9);
  expect(w.flowOf[1000]).toBe(10);
  const v = feed(w, frame(w, w.primary, 1000), 50, [1000]);
  expect(v.result()).toEqual({ released: 1, bad: 0, reordered: 0 });
  expect(feed(w, frame(w, w.primary, 3), 50, [1000]).bad).toBe(1);
});

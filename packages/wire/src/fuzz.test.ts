// Fuzz: random and mutated streams through the decoder, split at random points. Nothing may escape but the
// package's own errors, every payload respects the limit, and the decoder never emits more than it was given.
import { expect, test } from "vitest";
import { FrameDecoder } from "./decoder.js";
import { WireError } from "./errors.js";
import { encode } from "./frame.js";

const STREAMS = Number(process.env.COLOD_FUZZ_STREAMS ?? 100_000);
const KNOWN = new Set(["ERR_WIRE_OVERSIZE_FRAME", "ERR_WIRE_ZERO_LENGTH_FRAME"]);

function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function validStream(r: () => number, vnetHdr: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(r() * (r() < 0.05 ? 3000 : 80));
    const p = new Uint8Array(len);
    for (let j = 0; j < len; j += 7) p[j] = r() * 256;
    parts.push(encode(p, Math.floor(r() * 24), { vnetHdr }));
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function mutate(r: () => number, s: Uint8Array): Uint8Array {
  const kind = Math.floor(r() * 5);
  if (kind === 0) {
    const c = s.slice();
    for (let k = 0; k < 1 + r() * 3; k++) c[Math.floor(r() * c.length)] = r() * 256; // flip bytes
    return c;
  }
  if (kind === 1) return s.subarray(0, Math.floor(r() * s.length)); // truncate
  if (kind === 2) return s.subarray(Math.floor(r() * s.length)); // start mid-stream
  if (kind === 3) {
    const c = s.slice();
    c[Math.floor(r() * Math.min(4, c.length))] = 0; // shrink or zero a length word
    return c;
  }
  const c = new Uint8Array(Math.floor(r() * 64)); // pure noise
  for (let i = 0; i < c.length; i++) c[i] = r() * 256;
  return c;
}

test(`fuzz: ${STREAMS} random and mutated streams, split at random points`, () => {
  const seed = Number(process.env.COLOD_FUZZ_SEED ?? Date.now() % 2 ** 31);
  const r = prng(seed);
  const heapBefore = process.memoryUsage().heapUsed;
  let frames = 0;
  let errors = 0;
  try {
    for (let i = 0; i < STREAMS; i++) {
      const vnetHdr = r() < 0.5;
      const input = mutate(r, validStream(r, vnetHdr));
      let emitted = 0;
      const dec = new FrameDecoder({
        vnetHdr,
        onFrame(p) {
          expect(p.length).toBeGreaterThan(0);
          expect(p.length).toBeLessThanOrEqual(69632);
          emitted += p.length;
          frames++;
        },
        onError(e) {
          if (!(e instanceof WireError) || !KNOWN.has(e.code)) throw e;
          errors++;
        },
      });
      let p = 0;
      while (p < input.length) {
        const step = 1 + Math.floor(r() * 40);
        if (!dec.push(input.subarray(p, p + step))) break;
        p += step;
      }
      expect(emitted).toBeLessThanOrEqual(input.length);
    }
  } catch (e) {
    console.error(`fuzz failed with COLOD_FUZZ_SEED=${seed}`);
    throw e;
  }
  const grown = process.memoryUsage().heapUsed - heapBefore;
  // Bounded memory: 100k decoders of which none may retain more than one frame; 256 MiB would mean a leak.
  expect(grown).toBeLessThan(256 * 2 ** 20);
  expect(frames).toBeGreaterThan(STREAMS / 2);
  expect(errors).toBeGreaterThan(0);
});

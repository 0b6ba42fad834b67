import { describe, expect, test } from "vitest";
import { FrameDecoder } from "./decoder.js";
import type { WireError } from "./errors.js";
import { encode } from "./frame.js";

function collect(vnetHdr: boolean, maxFrameLen?: number) {
  const frames: { payload: Uint8Array; vnet: number }[] = [];
  const errors: WireError[] = [];
  const dec = new FrameDecoder({
    vnetHdr,
    maxFrameLen,
    name: "test-in",
    onFrame: (payload, vnet) => frames.push({ payload, vnet }),
    onError: (e) => errors.push(e),
  });
  return { dec, frames, errors };
}

function payloads(n: number, seed = 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    const len = 1 + ((i * 37) % 90);
    const p = new Uint8Array(len);
    for (let j = 0; j < len; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      p[j] = x >>> 24;
    }
    out.push(p);
  }
  return out;
}

describe("FrameDecoder", () => {
  for (const vnetHdr of [false, true]) {
    test(`every split point of a multi-frame stream (vnet=${vnetHdr})`, () => {
      const ps = payloads(5);
      const stream = new Uint8Array(ps.reduce((a, p) => a + p.length + (vnetHdr ? 8 : 4), 0));
      let off = 0;
      ps.forEach((p, i) => {
        const e = encode(p, vnetHdr ? i : 0, { vnetHdr });
        stream.set(e, off);
        off += e.length;
      });
      const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, k) => v === y[k]);
      const bad: string[] = [];
      for (let a = 0; a <= stream.length; a++) {
        for (let b = a; b <= stream.length; b += 3) {
          const { dec, frames, errors } = collect(vnetHdr);
          dec.push(stream.subarray(0, a));
          dec.push(stream.subarray(a, b));
          dec.push(stream.subarray(b));
          const ok =
            errors.length === 0 &&
            !dec.partial &&
            frames.length === ps.length &&
            frames.every((f, i) => same(f.payload, ps[i]!) && f.vnet === (vnetHdr ? i : 0));
          if (!ok) bad.push(`${a},${b}`);
        }
      }
      // Checked in bulk: one expect per split would dominate the run time.
      expect(bad).toEqual([]);
    });
  }

  test("one byte at a time", () => {
    const ps = payloads(20, 9);
    const { dec, frames } = collect(true);
    for (const p of ps) for (const byte of encode(p, 10, { vnetHdr: true })) dec.push(Uint8Array.of(byte));
    expect(frames.map((f) => f.payload)).toEqual(ps);
    expect(dec.frames).toBe(20);
  });

  test("frames inside one chunk are views into it; a split frame gets its own buffer", () => {
    const a = encode(Uint8Array.of(1, 2, 3), 0, { vnetHdr: false });
    const chunk = new Uint8Array([...a, ...a]);
    const { dec, frames } = collect(false);
    dec.push(chunk.subarray(0, 12)); // first frame, second header, 1 byte of its body
    expect(frames[0]!.payload.buffer).toBe(chunk.buffer);
    dec.push(chunk.subarray(12));
    expect(frames[1]!.payload.buffer).not.toBe(chunk.buffer);
    chunk.fill(0); // the caller reusing its buffer does not change the split frame
    expect(frames[1]!.payload).toEqual(Uint8Array.of(1, 2, 3));
  });

  test("zero-length frames are reported, skipped, and decoding continues", () => {
    const { dec, frames, errors } = collect(false);
    const good = encode(Uint8Array.of(9), 0, { vnetHdr: false });
    expect(dec.push(new Uint8Array([0, 0, 0, 0, ...good, 0, 0, 0, 0, 0, 0, 0, 0, ...good]))).toBe(true);
    expect(frames.length).toBe(2);
    expect(errors.map((e) => e.code)).toEqual(Array(3).fill("ERR_WIRE_ZERO_LENGTH_FRAME"));
    expect(dec.zeroLength).toBe(3);
  });

  test("zero-length frame with the vnet word", () => {
    const { dec, frames, errors } = collect(true);
    dec.push(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 12));
    dec.push(encode(Uint8Array.of(5), 0, { vnetHdr: true }));
    expect(errors.length).toBe(1);
    expect(frames.length).toBe(1);
  });

  test("oversize kills the stream, names it, and reset() revives it", () => {
    const { dec, frames, errors } = collect(false);
    const good = encode(Uint8Array.of(1), 0, { vnetHdr: false });
    expect(dec.push(new Uint8Array([...good, 0x00, 0x01, 0x10, 0x01, 1, 2, 3]))).toBe(false);
    expect(frames.length).toBe(1); // frames before the bad one were delivered
    expect(errors[0]!.code).toBe("ERR_WIRE_OVERSIZE_FRAME");
    expect(errors[0]!.message).toContain("test-in");
    expect(dec.failed).toBe(true);
    expect(dec.push(good)).toBe(false);
    expect(frames.length).toBe(1);
    dec.reset();
    expect(dec.push(good)).toBe(true);
    expect(frames.length).toBe(2);
  });

  test("oversize is detected even when the length word is split", () => {
    const { dec, errors } = collect(true);
    dec.push(Uint8Array.of(0x00, 0x01));
    expect(dec.push(Uint8Array.of(0x10, 0x01))).toBe(false);
    expect(errors[0]!.code).toBe("ERR_WIRE_OVERSIZE_FRAME");
  });

  test("a custom limit is honoured", () => {
    const { dec, frames } = collect(false, 100);
    expect(dec.push(encode(new Uint8Array(100), 0, { vnetHdr: false }))).toBe(true);
    expect(dec.push(encode(new Uint8Array(101), 0, { vnetHdr: false }))).toBe(false);
    expect(frames.length).toBe(1);
  });

  test("reset() drops a partial frame so a new connection starts clean", () => {
    const { dec, frames } = collect(false);
    const f = encode(Uint8Array.of(1, 2, 3, 4), 0, { vnetHdr: false });
    dec.push(f.subarray(0, 6));
    expect(dec.partial).toBe(true);
    dec.reset();
    expect(dec.partial).toBe(false);
    dec.push(f);
    expect(frames.map((x) => [...x.payload])).toEqual([[1, 2, 3, 4]]);
  });
});

test("frames are plain Uint8Array views even when the chunk is a Buffer", () => {
  const frames: Uint8Array[] = [];
  const dec = new FrameDecoder({ vnetHdr: false, onFrame: (p) => frames.push(p) });
  const chunk = Buffer.from(encode(Uint8Array.of(7, 8, 9), 0, { vnetHdr: false }));
  dec.push(chunk);
  expect(frames[0]!.constructor).toBe(Uint8Array);
  expect(frames[0]!.buffer).toBe(chunk.buffer);
  expect([...frames[0]!]).toEqual([7, 8, 9]);
});

// OutQueue: order, batching into blocks, block reuse only after release, against a plain encode() model.
import fc from "fast-check";
import { expect, test } from "vitest";
import { encode } from "../frame.js";
import { type Lease, OutQueue } from "./out-queue.js";

test("small frames appended in one tick come out as one run, byte-identical to encode()", () => {
  const q = new OutQueue({ vnetHdr: true });
  const want: Uint8Array[] = [];
  for (let i = 1; i <= 100; i++) {
    const p = new Uint8Array(i).fill(i);
    q.append(p, i % 13);
    want.push(encode(p, i % 13, { vnetHdr: true }));
  }
  const lease = q.take()!;
  expect(lease.frames).toBe(100);
  expect(Buffer.from(lease.bytes)).toEqual(Buffer.concat(want));
  expect(q.take()).toBeUndefined();
  expect(q.pending).toBe(0);
});

test("a frame that does not fit starts a new block; maximal frames fit", () => {
  const q = new OutQueue({ vnetHdr: false });
  const big = new Uint8Array(69632).fill(7);
  q.append(big, 0);
  q.append(big, 0);
  const a = q.take()!;
  const b = q.take()!;
  expect(a.bytes.length).toBe(69636);
  expect(b.bytes.length).toBe(69636);
  expect(a.block).not.toBe(b.block);
  expect(() => q.append(new Uint8Array(69633), 0)).toThrow(
    expect.objectContaining({ code: "ERR_WIRE_ENCODE" }),
  );
  expect(() => q.append(new Uint8Array(0), 0)).toThrow(expect.objectContaining({ code: "ERR_WIRE_ENCODE" }));
  expect(q.take()).toBeUndefined();
});

test("a block is reused only after every slice of it was released", () => {
  const q = new OutQueue({ vnetHdr: false });
  const fill = (n: number) => {
    for (let i = 0; i < n; i++) q.append(new Uint8Array(1000).fill(i & 0xff), 0);
  };
  fill(200); // ~196 KiB: spans two blocks
  const first = q.take()!;
  const copy = Uint8Array.from(first.bytes);
  const rest: Lease[] = [];
  for (let l = q.take(); l; l = q.take()) rest.push(l);
  fill(400); // must not land in the unreleased first block
  expect(first.bytes).toEqual(copy);
  const used = new Set([first.block, ...rest.map((l) => l.block)]);
  q.release(first);
  for (const l of rest) q.release(l);
  const later: Lease[] = [];
  for (let l = q.take(); l; l = q.take()) later.push(l);
  for (const l of later) q.release(l);
  fill(400); // now released blocks are taken again
  const again: Lease[] = [];
  for (let l = q.take(); l; l = q.take()) again.push(l);
  expect(again.some((l) => used.has(l.block))).toBe(true);
});

test("property: any interleaving of append/take/release yields exactly the encoded stream, in order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 1, max: 69632 }), fc.constant(-1), fc.constant(-2)), {
        maxLength: 60,
      }),
      fc.boolean(),
      (ops, vnetHdr) => {
        const q = new OutQueue({ vnetHdr });
        const want: Uint8Array[] = [];
        const got: Uint8Array[] = [];
        const held: Lease[] = [];
        let seq = 0;
        const drain = () => {
          for (let l = q.take(); l; l = q.take()) {
            got.push(Uint8Array.from(l.bytes));
            held.push(l);
          }
        };
        for (const op of ops) {
          if (op === -1) drain();
          else if (op === -2) for (const l of held.splice(0)) q.release(l);
          else {
            const p = new Uint8Array(op).fill(++seq & 0xff);
            q.append(p, seq);
            want.push(encode(p, seq, { vnetHdr }));
          }
        }
        drain();
        expect(Buffer.concat(got).equals(Buffer.concat(want))).toBe(true);
        expect(q.pending).toBe(0);
      },
    ),
    { numRuns: 150 },
  );
});

// Checks the outdev byte stream frame by frame while it arrives: every frame must be one of the expected
// primary frames, byte for byte, at most once. Per-connection order is counted separately (SPEC requires it
// of colod; QEMU's LIFO UDP matching breaks it). Optionally timestamps each release for the latency figures.
import { Buffer } from "node:buffer";
import { frameIndex, type Workload } from "./workload.js";

const MAX_FRAME = 69632;

/** What the verifier saw. */
export interface VerifyResult {
  /** Expected frames received intact, first time. */
  released: number;
  /** Frames that were no expected frame, had other bytes, or came twice. */
  bad: number;
  /** Frames that came before an earlier frame of their own connection. */
  reordered: number;
  firstBad?: string;
}

/** Incremental outdev checker: push() every chunk read from the outdev socket. */
export class OutputVerifier {
  released = 0;
  bad = 0;
  reordered = 0;
  firstBad: string | undefined;
  /** Set to receive each released frame's index with the chunk's arrival time. */
  onRelease: ((index: number, now: number) => void) | undefined;
  readonly #w: Workload;
  readonly #seen: Uint8Array;
  readonly #last: Int32Array;
  readonly #expected: Set<number> | undefined;
  readonly #carry = Buffer.allocUnsafe(MAX_FRAME + 4);
  #carryLen = 0;

  /** `only`: the indexes expected when not every pair is sent (the memory runs). */
  constructor(w: Workload, only?: number[]) {
    this.#w = w;
    this.#seen = new Uint8Array(w.pairs);
    this.#last = new Int32Array(w.flows).fill(-1);
    this.#expected = only && new Set(only);
  }

  /** Feeds one chunk; `now` is its arrival time (performance.now()). */
  push(chunk: Buffer, now: number): void {
    let off = 0;
    if (this.#carryLen > 0) off = this.#fillCarry(chunk, now);
    while (off + 4 <= chunk.length) {
      const len = chunk.readUInt32BE(off);
      if (len === 0 || len > MAX_FRAME) {
        this.#corrupt(`length word ${len}`);
        return;
      }
      if (off + 4 + len > chunk.length) break;
      this.#frame(chunk, off + 4, len, now);
      off += 4 + len;
    }
    if (off < chunk.length) {
      chunk.copy(this.#carry, 0, off);
      this.#carryLen = chunk.length - off;
    }
  }

  /** Snapshot of the counters. */
  result(): VerifyResult {
    const r: VerifyResult = { released: this.released, bad: this.bad, reordered: this.reordered };
    if (this.firstBad) r.firstBad = this.firstBad;
    return r;
  }

  #fillCarry(chunk: Buffer, now: number): number {
    let off = 0;
    if (this.#carryLen < 4) {
      off = Math.min(4 - this.#carryLen, chunk.length);
      chunk.copy(this.#carry, this.#carryLen, 0, off);
      this.#carryLen += off;
      if (this.#carryLen < 4) return off;
    }
    const len = this.#carry.readUInt32BE(0);
    if (len === 0 || len > MAX_FRAME) {
      this.#corrupt(`length word ${len}`);
      return chunk.length;
    }
    const take = Math.min(4 + len - this.#carryLen, chunk.length - off);
    chunk.copy(this.#carry, this.#carryLen, off, off + take);
    this.#carryLen += take;
    off += take;
    if (this.#carryLen === 4 + len) {
      this.#frame(this.#carry, 4, len, now);
      this.#carryLen = 0;
    }
    return off;
  }

  // Views, not Buffer's ranged compare(): Deno 2.9 checks its source range against the target's length.
  #frame(b: Buffer, at: number, len: number, now: number): void {
    const w = this.#w;
    const i = len >= 20 ? frameIndex(b, at) : -1;
    if (i < 0 || i >= w.pairs || (this.#expected && !this.#expected.has(i))) {
      this.#fail(`unexpected frame (index ${i}, ${len} B)`);
      return;
    }
    const start = w.offsets[i]! + 4;
    const end = w.offsets[i + 1]!;
    if (
      end - start !== len ||
      Buffer.compare(b.subarray(at, at + len), w.primary.subarray(start, end)) !== 0
    ) {
      this.#fail(`frame ${i}: bytes differ from the primary's`);
      return;
    }
    if (this.#seen[i]) {
      this.#fail(`frame ${i} released twice`);
      return;
    }
    this.#seen[i] = 1;
    this.released++;
    const f = w.flowOf[i]!;
    if (i < this.#last[f]!) this.reordered++;
    else this.#last[f] = i;
    this.onRelease?.(i, now);
  }

  #fail(why: string): void {
    this.bad++;
    this.firstBad ??= why;
  }

  #corrupt(why: string): void {
    this.#fail(`framing lost: ${why}`);
    this.#carryLen = 0;
  }
}

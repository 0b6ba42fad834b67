// Outgoing frames, encoded straight into a chain of reusable blocks: many small frames become one socket
// write, no per-frame allocation, and order is the order of append().
import { encodeInto, encodingLength, type FrameOptions } from "../frame.js";

/** Block size: above one maximal frame (MAX_FRAME_LEN + 8 bytes), so any frame fits in a fresh block. */
export const BLOCK_SIZE = 128 * 1024;
/** Spare blocks kept for reuse; more would only hold memory after a burst. */
const FREE_BLOCKS = 4;

interface Block {
  buf: Uint8Array;
  /** Bytes encoded into the block. */
  used: number;
  /** Bytes already handed out by take(). */
  sent: number;
  /** Frames encoded / frames handed out. */
  frames: number;
  framesSent: number;
  /** Slices handed out and not yet released. */
  lent: number;
}

/** A slice handed to the socket; pass it back to release() once the socket is done with it. */
export interface Lease {
  bytes: Uint8Array;
  frames: number;
  block: Block;
}

/** FIFO of encoded frames; `take()` yields the pending bytes of the head block. */
export class OutQueue {
  /** Encoded bytes not yet taken. */
  pending = 0;
  readonly #opts: FrameOptions;
  readonly #blocks: Block[] = [];
  readonly #free: Block[] = [];

  constructor(opts: FrameOptions) {
    this.#opts = opts;
  }

  /** Bytes `payload` takes on the wire. */
  size(payload: Uint8Array): number {
    return encodingLength(payload.length, this.#opts);
  }

  /** Encodes one frame at the tail (throws EncodeError for an empty or oversize payload); returns its size. */
  append(payload: Uint8Array, vnetHdrLen: number): number {
    const n = this.size(payload);
    let tail = this.#blocks[this.#blocks.length - 1];
    if (tail === undefined || tail.buf.length - tail.used < n) {
      tail = this.#block();
      this.#blocks.push(tail);
    }
    encodeInto(payload, vnetHdrLen, this.#opts, tail.buf, tail.used);
    tail.used += n;
    tail.frames++;
    this.pending += n;
    return n;
  }

  /** The next run of pending bytes (a view, valid until released), or undefined when nothing is pending. */
  take(): Lease | undefined {
    for (;;) {
      const head = this.#blocks[0];
      if (head === undefined) return undefined;
      if (head.sent < head.used) {
        const lease = {
          bytes: head.buf.subarray(head.sent, head.used),
          frames: head.frames - head.framesSent,
          block: head,
        };
        this.pending -= head.used - head.sent;
        head.sent = head.used;
        head.framesSent = head.frames;
        head.lent++;
        // A head that is full, or has a successor, receives no more frames: it leaves the chain.
        if (this.#blocks.length > 1 || head.used === head.buf.length) this.#blocks.shift();
        return lease;
      }
      if (this.#blocks.length === 1) return undefined;
      this.#blocks.shift();
      this.#recycle(head);
    }
  }

  /** The socket is done with `lease`: its block may be reused once every slice of it is back. */
  release(lease: Lease): void {
    const b = lease.block;
    b.lent--;
    if (b.lent === 0 && b.sent === b.used && this.#blocks[0] !== b) this.#recycle(b);
  }

  /** Forgets every pending frame (channel closed); returns how many frames were discarded. */
  clear(): number {
    let frames = 0;
    for (const b of this.#blocks) frames += b.frames - b.framesSent;
    this.#blocks.length = 0;
    this.pending = 0;
    return frames;
  }

  #block(): Block {
    const b = this.#free.pop();
    if (b !== undefined) return b;
    return { buf: new Uint8Array(BLOCK_SIZE), used: 0, sent: 0, frames: 0, framesSent: 0, lent: 0 };
  }

  #recycle(b: Block): void {
    if (b.lent > 0 || this.#free.length >= FREE_BLOCKS) return;
    b.used = b.sent = b.frames = b.framesSent = 0;
    this.#free.push(b);
  }
}

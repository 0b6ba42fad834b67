// Frames out of the BPF ring: zero-copy batch drain for hot loops, readInto for reused buffers, read and an
// async iterator that copy into a slab. One consumer per source: the ring has a single consumer position.
import type { RingBuffer } from "libbpf-ts";
import { CaptureError, ClosedError } from "./errors.js";
import { REC, REC_HDR_LEN } from "./layout.js";
import { Slab } from "./slab.js";

/** Metadata of one captured frame. Drain handlers get one reused object: copy the fields you keep. */
export interface FrameMeta {
  /** The tap the frame came from. */
  ifname: string;
  ifindex: number;
  /** bpf_ktime_get_ns() when the kernel saw the frame (CLOCK_MONOTONIC, ns). */
  tsNs: bigint;
  /** Length on the wire; above `frame.length` only for truncated (> 9216 B) frames. */
  origLen: number;
  ethertype: number;
  /** RecordFlag bits: Dropped (held only here), Truncated. */
  flags: number;
}

/** A captured frame with its metadata; `frame` stays valid (it is a copy). */
export interface CapturedFrame extends FrameMeta {
  frame: Uint8Array;
}

/** Zero-copy handler: `frame` is a view into the ring, valid only during the call. Return false to stop. */
export type FrameHandler = (frame: Uint8Array, meta: FrameMeta) => unknown;

/** Options of CaptureSource. */
export interface SourceOptions {
  /** Longest single sleep of the async iterator before it re-checks for close (ms, default 50). */
  idleMs?: number;
  /** Where copies go (default: a private 1 MiB-chunk slab). */
  slab?: Slab;
}

/** Reader of one tap's capture ring. */
export class CaptureSource implements AsyncIterable<CapturedFrame> {
  readonly #ring: RingBuffer;
  readonly #meta: FrameMeta;
  readonly #slab: Slab;
  readonly #idleMs: number;
  readonly #release: () => void;
  #closed = false;
  #busy = false;
  #onClose: (v: false) => void = () => {};
  readonly #closing = new Promise<false>((resolve) => {
    this.#onClose = resolve;
  });

  /** Reads `ring`; `release` frees it (and its object) once closed and no drain is running. */
  constructor(
    ring: RingBuffer,
    ifname: string,
    ifindex: number,
    release: () => void,
    opts: SourceOptions = {},
  ) {
    this.#ring = ring;
    this.#release = release;
    this.#meta = { ifname, ifindex, tsNs: 0n, origLen: 0, ethertype: 0, flags: 0 };
    this.#slab = opts.slab ?? new Slab();
    this.#idleMs = opts.idleMs ?? 50;
  }

  /** Bytes waiting in the ring. */
  get pendingBytes(): number {
    return this.#closed ? 0 : this.#ring.pending();
  }

  /** Resolves true once frames are waiting, false after `timeoutMs` or on close. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    // An off-thread poll(2) cannot be interrupted: close() resolves the wait at once instead.
    return Promise.race([this.#ring.wait(timeoutMs), this.#closing]);
  }

  /** Hands up to `max` waiting frames to `handler` without copying; returns how many it handled. */
  drain(handler: FrameHandler, max = Number.POSITIVE_INFINITY): number {
    if (this.#closed) throw new ClosedError(`capture of tap:${this.#meta.ifname}`);
    if (this.#busy) {
      throw new CaptureError(
        "ERR_CAPTURE_BUSY",
        `tap:${this.#meta.ifname}: drain called from a drain handler (one consumer only)`,
      );
    }
    const meta = this.#meta;
    this.#busy = true;
    try {
      return this.#ring.drain((data, at, len, view) => this.#record(handler, meta, data, at, len, view), max);
    } finally {
      this.#busy = false;
      if (this.#closed) this.#release(); // close() ran inside a handler: the ring was still in use
    }
  }

  #record(handler: FrameHandler, meta: FrameMeta, data: Uint8Array, at: number, len: number, view: DataView) {
    if (this.#closed) return false;
    const capLen = view.getUint32(at + REC.capLen, true);
    if (capLen + REC_HDR_LEN > len) return; // not one of our records: skip rather than read past it
    meta.origLen = view.getUint32(at + REC.origLen, true);
    meta.ethertype = view.getUint16(at + REC.ethertype, true);
    meta.flags = view.getUint16(at + REC.flags, true);
    meta.tsNs = view.getBigUint64(at + REC.ktimeNs, true);
    const start = at + REC_HDR_LEN;
    return handler(data.subarray(start, start + capLen), meta);
  }

  /** Copies the next frame into `buf` (truncating) and returns its length, or -1 when none is waiting. */
  readInto(buf: Uint8Array, meta?: FrameMeta): number {
    let got = -1;
    this.drain((frame, m) => {
      buf.set(frame.length > buf.length ? frame.subarray(0, buf.length) : frame);
      if (meta) Object.assign(meta, m);
      got = frame.length;
      return false;
    }, 1);
    return got;
  }

  /** The next frame (copied), waiting up to `timeoutMs`; undefined on timeout or close. */
  async read(timeoutMs: number): Promise<CapturedFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#closed) return undefined;
      let out: CapturedFrame | undefined;
      this.drain((frame, m) => {
        out = this.copyOut(frame, m);
        return false;
      }, 1);
      if (out) return out;
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.wait(left))) return undefined;
    }
  }

  /** Discards every waiting frame; returns how many. */
  flush(): number {
    return this.#closed ? 0 : this.drain(() => undefined);
  }

  /** A stable copy of a frame handed to a drain handler (slab-backed). */
  copyOut(frame: Uint8Array, m: FrameMeta): CapturedFrame {
    const copy = this.#slab.copy(frame, 0, frame.length);
    return { ...m, frame: copy };
  }

  /** Frames as they arrive (copied into the slab); ends when the source is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<CapturedFrame> {
    const batch: CapturedFrame[] = [];
    while (!this.#closed) {
      this.drain((frame, m) => {
        batch.push(this.copyOut(frame, m));
      }, 256);
      if (batch.length === 0) {
        await this.wait(this.#idleMs);
        continue;
      }
      for (const f of batch) yield f;
      batch.length = 0;
    }
  }

  /** Stops reading and frees the ring (after the running drain, if close() is called from a handler). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(false);
    if (!this.#busy) this.#release();
  }

  /** Whether close() ran. */
  get closed(): boolean {
    return this.#closed;
  }
}

import { LEN_WORD, MAX_FRAME_LEN } from "./constants.js";
import { OversizeFrameError, type WireError, ZeroLengthFrameError } from "./errors.js";
import { readU32 } from "./frame.js";

/** Settings and callbacks of a streaming decoder. */
export interface FrameDecoderOptions {
  /** Whether each frame carries the u32be `vnet_hdr_len` word after `len` (configuration, both ends must agree). */
  vnetHdr: boolean;
  /** Largest accepted `len` (default MAX_FRAME_LEN = 69632, QEMU's limit). */
  maxFrameLen?: number;
  /** Name used in error messages, e.g. the endpoint ("primary-in unix:/run/colo/pri.sock"). */
  name?: string;
  /**
   * Called once per frame. `payload` is a view into the pushed chunk when the frame lies inside it, or into a
   * buffer owned by this frame alone when it was split across chunks: either way it stays valid as long as the
   * caller does not overwrite its own chunks, so it may be kept without copying.
   */
  onFrame(payload: Uint8Array, vnetHdrLen: number): void;
  /** Zero-length frames (skipped, decoding goes on) and the oversize error (the stream is dead) are reported here. */
  onError?(err: WireError): void;
}

/**
 * Streaming decoder of QEMU's `len | [vnet_hdr_len] | payload` framing: accepts chunks of any size, split anywhere.
 * One decoder per connection; `reset()` when a new connection starts so a partial frame never leaks into it.
 * @example
 * const dec = new FrameDecoder({ vnetHdr: false, onFrame: (f) => frames.push(f) });
 * socket.on("data", (chunk) => { if (!dec.push(chunk)) socket.destroy(); });
 */
export class FrameDecoder {
  /** Frames delivered since construction. */
  frames = 0;
  /** Payload bytes delivered since construction. */
  bytes = 0;
  /** Zero-length frames skipped. */
  zeroLength = 0;
  /** Oversize frames seen (each one killed the stream until `reset()`). */
  oversize = 0;

  readonly #opts: FrameDecoderOptions;
  readonly #hdrSize: number;
  readonly #max: number;
  readonly #hdr = new Uint8Array(2 * LEN_WORD);
  #hdrFill = 0;
  #body: Uint8Array | undefined;
  #bodyFill = 0;
  #bodyVnet = 0;
  #failed = false;

  constructor(opts: FrameDecoderOptions) {
    this.#opts = opts;
    this.#hdrSize = opts.vnetHdr ? 2 * LEN_WORD : LEN_WORD;
    this.#max = opts.maxFrameLen ?? MAX_FRAME_LEN;
  }

  /** True after an oversize frame: nothing more is decoded until `reset()`. */
  get failed(): boolean {
    return this.#failed;
  }

  /** True when a frame (header or body) has been started but not finished. */
  get partial(): boolean {
    return this.#hdrFill > 0 || this.#body !== undefined;
  }

  /** Forgets any partial frame and the failed state: call it when a new connection starts. */
  reset(): void {
    this.#hdrFill = 0;
    this.#body = undefined;
    this.#bodyFill = 0;
    this.#failed = false;
  }

  /** Decodes what `chunk` completes. Returns false once the stream is dead (oversize frame): close the connection. */
  push(input: Uint8Array): boolean {
    if (this.#failed) return false;
    // Sockets hand out Buffers, whose subarray() is a JS wrapper; one plain view per chunk makes every per-frame
    // view the engine's builtin, and every frame a plain Uint8Array (docs/performance.md, proposal 1).
    const chunk =
      input.constructor === Uint8Array
        ? input
        : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      const body = this.#body;
      if (body !== undefined) {
        const take = Math.min(body.length - this.#bodyFill, n - p);
        body.set(chunk.subarray(p, p + take), this.#bodyFill);
        this.#bodyFill += take;
        p += take;
        if (this.#bodyFill === body.length) {
          this.#body = undefined;
          this.#emit(body, this.#bodyVnet);
        }
        continue;
      }
      let len: number;
      let vnet = 0;
      if (this.#hdrFill === 0 && n - p >= this.#hdrSize) {
        len = readU32(chunk, p);
        if (this.#hdrSize > LEN_WORD) vnet = readU32(chunk, p + LEN_WORD);
        p += this.#hdrSize;
      } else {
        const take = Math.min(this.#hdrSize - this.#hdrFill, n - p);
        this.#hdr.set(chunk.subarray(p, p + take), this.#hdrFill);
        this.#hdrFill += take;
        p += take;
        // Reject an oversize length as soon as its word is complete, even if the vnet word is still to come.
        if (this.#hdrFill >= LEN_WORD && readU32(this.#hdr, 0) > this.#max)
          return this.#fail(readU32(this.#hdr, 0));
        if (this.#hdrFill < this.#hdrSize) continue;
        this.#hdrFill = 0;
        len = readU32(this.#hdr, 0);
        if (this.#hdrSize > LEN_WORD) vnet = readU32(this.#hdr, LEN_WORD);
      }
      if (len > this.#max) return this.#fail(len);
      if (len === 0) {
        this.zeroLength++;
        this.#opts.onError?.(new ZeroLengthFrameError(this.#opts.name));
        continue;
      }
      if (n - p >= len) {
        const view = chunk.subarray(p, p + len);
        p += len;
        this.#emit(view, vnet);
      } else {
        // Split frame: give it a buffer of its own so the payload can be held without a copy later.
        const own = new Uint8Array(len);
        own.set(chunk.subarray(p), 0);
        this.#body = own;
        this.#bodyFill = n - p;
        this.#bodyVnet = vnet;
        p = n;
      }
    }
    return true;
  }

  #emit(payload: Uint8Array, vnet: number): void {
    this.frames++;
    this.bytes += payload.length;
    this.#opts.onFrame(payload, vnet);
  }

  #fail(len: number): false {
    this.#failed = true;
    this.#hdrFill = 0;
    this.#body = undefined;
    this.oversize++;
    this.#opts.onError?.(new OversizeFrameError(len, this.#max, this.#opts.name));
    return false;
  }
}

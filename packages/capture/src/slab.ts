// Bump allocator for held frames: copies land in large shared chunks instead of one ArrayBuffer per frame.
// A chunk is freed by the GC once no frame view into it is alive, so holding frames for a while is fine;
// a frame held forever pins its whole chunk (documented in the README).

/** Default chunk size: 1 MiB holds ~700 full-size frames; the allocation cost is amortised over them. */
export const DEFAULT_SLAB_CHUNK = 1 << 20;

/** Copies byte ranges into shared chunks and hands out views. */
export class Slab {
  #chunk: Uint8Array;
  #used = 0;
  readonly #chunkSize: number;

  constructor(chunkSize = DEFAULT_SLAB_CHUNK) {
    this.#chunkSize = chunkSize;
    this.#chunk = new Uint8Array(chunkSize);
  }

  /** A stable copy of `src[start, end)`: a view into the current chunk (or a fresh array if larger). */
  copy(src: Uint8Array, start: number, end: number): Uint8Array {
    const len = end - start;
    if (len > this.#chunkSize >>> 2) return src.slice(start, end);
    if (this.#used + len > this.#chunkSize) {
      this.#chunk = new Uint8Array(this.#chunkSize);
      this.#used = 0;
    }
    const at = this.#used;
    this.#chunk.set(src.subarray(start, end), at);
    // Keep the next frame 8-byte aligned so DataView reads over it stay fast.
    this.#used = (at + len + 7) & ~7;
    return this.#chunk.subarray(at, at + len);
  }
}

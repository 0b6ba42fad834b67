// Zero-copy BPF ring buffer consumer in plain JS over the kernel's mmap'ed ring (no per-record FFI).
// Layout: consumer page (RW, offset 0) | producer page + data mapped twice (RO, offset PAGE_SIZE), so a
// record that wraps is still contiguous. Record header: u32 len (bit 31 busy, bit 30 discard), u32 pad.

import {
  BPF_MAP_TYPE_RINGBUF,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
} from "./constants.js";
import { errnoError, InvalidArgumentError, StateError } from "./errors.js";
import type { Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { track, untrack } from "./lifetime.js";
import type { BpfMap } from "./map.js";
import { lastErrno, libc } from "./native.js";
import { makeWaiter, type Waiter, type WaitStrategy } from "./wait.js";

const BUSY = BPF_RINGBUF_BUSY_BIT;
const DISCARD = BPF_RINGBUF_DISCARD_BIT;
const LEN_MASK = 0x3fffffff; // the 30 bits left for the length
const HDR = BPF_RINGBUF_HDR_SZ;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const SC_PAGESIZE = 30;
const F_DUPFD_CLOEXEC = 1030;

/**
 * Called per record with the whole data area, the record's offset and length: zero-copy, so the bytes are
 * only valid during the call (the producer reuses them once consumer_pos moves). Return false to stop.
 */
export type RecordHandler = (data: Uint8Array, offset: number, length: number, view: DataView) => unknown;

/** Options of `RingBuffer`. */
export interface RingBufferOptions {
  /** How `wait()` sleeps: "async" (default on Node/Deno), "worker" (default on Bun) or "timer". */
  readonly wait?: WaitStrategy;
  /** Poll period of the "timer" strategy in ms (default 1). */
  readonly intervalMs?: number;
}

function mmap(len: number, prot: number, fd: number, offset: number, what: string): Ptr {
  const p = libc().call.mmap(null, len, prot, MAP_SHARED, fd, offset);
  const a = ffi.address(p);
  if (a <= 0n || a >= 1n << 63n)
    // NULL or MAP_FAILED ((void *)-1, signed or not per runtime)
    throw errnoError(`mmap(${what})`, lastErrno() || 22);
  return p;
}

/** Reader of one BPF_MAP_TYPE_RINGBUF map. Single consumer: do not drain one ring from two readers. */
export class RingBuffer {
  /** Data area bytes (the map's max_entries). */
  readonly size: number;
  readonly #mask: number;
  readonly #maskBig: bigint;
  readonly #page: number;
  readonly #fd: number;
  #cons: Ptr;
  #prod: Ptr;
  #consPos: BigUint64Array;
  #prodPos: BigUint64Array;
  #hdr: Int32Array;
  #data: Uint8Array;
  #view: DataView;
  #pos: bigint;
  readonly #plain: boolean;
  readonly #waiter: Waiter;
  #draining = false;
  #closeRequested = false;

  /** Map the ring of a loaded RINGBUF map. */
  constructor(map: BpfMap, opts: RingBufferOptions = {}) {
    if (map.type !== BPF_MAP_TYPE_RINGBUF)
      throw new InvalidArgumentError(`map ${map.name} is not a ring buffer (type ${map.type})`, "EINVAL", {
        errno: 22,
      });
    // Our own fd: the ring (mapping and waits) outlives the object's close() until ring.close().
    const fd = libc().call.fcntl(map.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw errnoError(`fcntl(${map.name} fd, F_DUPFD_CLOEXEC)`, lastErrno() || 24);
    this.#fd = fd;
    this.size = map.maxEntries;
    this.#mask = this.size - 1;
    this.#maskBig = BigInt(this.#mask);
    this.#page = libc().call.sysconf(SC_PAGESIZE);
    const [page, len] = [this.#page, this.#page + 2 * this.size];
    let cons: Ptr = null;
    try {
      this.#waiter = makeWaiter(opts.wait, fd, () => this.pending(), opts.intervalMs ?? 1);
      cons = mmap(page, PROT_READ | PROT_WRITE, fd, 0, `${map.name} consumer page`);
      this.#prod = mmap(len, PROT_READ, fd, page, `${map.name} data`);
    } catch (e) {
      if (cons !== null) libc().call.munmap(cons, page);
      libc().call.close(fd);
      throw e;
    }
    this.#cons = cons;
    const ro = ffi.view(this.#prod, len);
    this.#consPos = new BigUint64Array(ffi.view(cons, page), 0, 1);
    this.#prodPos = new BigUint64Array(ro, 0, 1);
    this.#hdr = new Int32Array(ro, page, (2 * this.size) / 4);
    this.#data = new Uint8Array(ro, page, 2 * this.size);
    this.#view = new DataView(ro, page, 2 * this.size);
    this.#plain = ffi.caps.noAtomicsOnReadOnly;
    this.#pos = Atomics.load(this.#consPos, 0);
    const prod = this.#prod;
    track(this, () => {
      libc().call.munmap(cons, page);
      libc().call.munmap(prod, len);
      libc().call.close(fd);
    });
  }

  /** Bytes published by the producer and not consumed yet (0 when closed). */
  pending(): number {
    if (this.#prod === null || this.#closeRequested) return 0;
    return Number(this.#producer() - this.#pos);
  }

  #producer(): bigint {
    // Bun/JSC crashes on Atomics over read-only memory once JIT-compiled; x86-64 loads are ordered anyway.
    return this.#plain ? this.#prodPos[0]! : Atomics.load(this.#prodPos, 0);
  }

  #len(off: number): number {
    return this.#plain ? this.#hdr[off >> 2]! : Atomics.load(this.#hdr, off >> 2);
  }

  /**
   * Call `handler` for up to `max` committed records, then publish consumer_pos once. Returns the number of
   * records handled (discarded records are skipped and not counted).
   */
  drain(handler: RecordHandler, max = Number.POSITIVE_INFINITY): number {
    this.#enter();
    const avail = Number(this.#producer() - this.#pos);
    let done = 0;
    let n = 0;
    let off = Number(this.#pos & this.#maskBig);
    try {
      while (done < avail && n < max && !this.#closeRequested) {
        const len = this.#len(off) >>> 0;
        if (len & BUSY) break;
        const size = len & LEN_MASK;
        const total = (size + HDR + 7) & ~7;
        done += total;
        const at = off + HDR;
        off = (off + total) & this.#mask;
        if (len & DISCARD) continue;
        n++;
        if (handler(this.#data, at, size, this.#view) === false) break;
      }
    } finally {
      this.#leave(done);
    }
    return n;
  }

  #enter(): void {
    if (this.#prod === null || this.#closeRequested) throw new StateError("RingBuffer is closed");
    if (this.#draining)
      throw new StateError("drain/readInto called from a drain handler: one consumer at a time");
    this.#draining = true;
  }

  #leave(consumed: number): void {
    if (consumed > 0) this.#publish(consumed);
    this.#draining = false;
    if (this.#closeRequested) this.close(); // close() from a handler is deferred until the ring is no longer read
  }

  /** Copy the next record into `dst` (truncating); returns its full length, or -1 if none is ready. */
  readInto(dst: Uint8Array): number {
    this.#enter();
    const avail = Number(this.#producer() - this.#pos);
    let done = 0;
    let got = -1;
    let off = Number(this.#pos & this.#maskBig);
    while (done < avail && got < 0) {
      const len = this.#len(off) >>> 0;
      if (len & BUSY) break;
      const size = len & LEN_MASK;
      const total = (size + HDR + 7) & ~7;
      done += total;
      if (!(len & DISCARD)) {
        const at = off + HDR;
        dst.set(this.#data.subarray(at, at + Math.min(size, dst.byteLength)));
        got = size;
      }
      off = (off + total) & this.#mask;
    }
    this.#leave(done);
    return got;
  }

  /**
   * Wait and drain until `signal` aborts: `handler` runs for every record, batches of at most `max`.
   * Resolves when aborted or the ring is closed; rejects if `handler` throws.
   */
  async run(
    handler: RecordHandler,
    o: { signal?: AbortSignal; timeoutMs?: number; max?: number } = {},
  ): Promise<void> {
    const timeout = o.timeoutMs ?? 100;
    while (!o.signal?.aborted && !this.#closeRequested) {
      if (this.drain(handler, o.max) === 0) await this.wait(timeout);
      else await Promise.resolve(); // let other tasks in between batches
    }
  }

  #publish(bytes: number): void {
    this.#pos += BigInt(bytes);
    Atomics.store(this.#consPos, 0, this.#pos); // RW page: Atomics are fine on every runtime
  }

  /** Resolve true once records are pending, false after `timeoutMs`; the event loop stays free. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.#prod === null || this.#closeRequested) return Promise.resolve(false);
    return this.#waiter.wait(timeoutMs);
  }

  /** Unmap the ring and stop the waiter; views handed to handlers become invalid. */
  close(): void {
    if (this.#prod === null) return;
    this.#closeRequested = true;
    if (this.#draining) return;
    untrack(this);
    this.#waiter.close();
    libc().call.munmap(this.#cons, this.#page);
    libc().call.munmap(this.#prod, this.#page + 2 * this.size);
    libc().call.close(this.#fd);
    this.#cons = null;
    this.#prod = null;
  }

  /** Same as close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

// libbpf's own ring_buffer__* consumer, kept for parity and comparison: one FFI callback per record,
// 3-12x slower than the JS reader in RingBuffer (see bench/ring-drain.mjs).
import { check, errnoError, StateError } from "./errors.js";
import type { Callback, Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { track, untrack } from "./lifetime.js";
import type { BpfMap } from "./map.js";
import { lastErrno, libbpf } from "./native.js";

/** Receives one record: `data` is valid only during the call (a view, or a reused copy on Node). */
export type SampleHandler = (data: Uint8Array) => void;

/** A libbpf `struct ring_buffer` over one RINGBUF map; records are delivered through a C callback. */
export class LibbpfRingBuffer {
  #rb: Ptr;
  readonly #cb: Callback;
  #handler: SampleHandler | undefined;
  #scratch = new Uint8Array(16 << 10); // records are copied here where views are slow (koffi)

  /** Wrap `map`; `handler` gets every record consumed by poll()/consume(). */
  constructor(map: BpfMap, handler: SampleHandler) {
    this.#handler = handler;
    this.#cb = ffi.callback(
      ((_ctx: Ptr, data: Ptr, size: number | bigint) => {
        this.#handler?.(this.#record(data, Number(size)));
        return 0;
      }) as (...a: never[]) => number,
      "i32",
      ["ptr", "ptr", "usize"],
    );
    this.#rb = libbpf().ring_buffer__new(map.fd, this.#cb.ptr, null, null);
    if (this.#rb === null) {
      this.#cb.close();
      throw errnoError(`ring_buffer__new(${map.name})`, lastErrno() || 22);
    }
    const [rb, cb] = [this.#rb, this.#cb];
    track(this, () => {
      libbpf().ring_buffer__free(rb);
      cb.close();
    });
  }

  #record(data: Ptr, len: number): Uint8Array {
    if (ffi.caps.cheapView) return new Uint8Array(ffi.view(data, len));
    if (this.#scratch.byteLength < len)
      this.#scratch = new Uint8Array(Math.max(len, 2 * this.#scratch.byteLength));
    ffi.copyInto(data, len, this.#scratch);
    return this.#scratch.subarray(0, len);
  }

  #ptr(): Ptr {
    if (this.#rb === null) throw new StateError("LibbpfRingBuffer is closed");
    return this.#rb;
  }

  /** Consume every available record without waiting; returns the count. */
  consume(): number {
    return check("ring_buffer__consume", libbpf().ring_buffer__consume(this.#ptr()));
  }

  /** Block the calling thread up to `timeoutMs` in epoll_wait, then consume; returns the count. */
  poll(timeoutMs: number): number {
    return check("ring_buffer__poll", libbpf().ring_buffer__poll(this.#ptr(), timeoutMs));
  }

  /** The epoll fd libbpf waits on (for an external wait). */
  get epollFd(): number {
    return libbpf().ring_buffer__epoll_fd(this.#ptr());
  }

  /** Free the ring buffer and its callback. */
  close(): void {
    if (this.#rb === null) return;
    untrack(this);
    libbpf().ring_buffer__free(this.#rb);
    this.#cb.close();
    this.#rb = null;
    this.#handler = undefined;
  }

  /** Same as close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

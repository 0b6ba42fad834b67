// Ways to sleep until a ring has data without blocking the event loop.
// timer: check producer_pos every N ms (no syscalls, works everywhere, latency <= N ms).
// async: poll(2) on the map fd off-thread (koffi .async on Node, nonblocking FFI on Deno).
// worker: a worker thread blocks in poll(2) and posts a message (the only off-thread option on Bun).
import { Worker } from "node:worker_threads";
import { POLLIN } from "./constants.js";
import { InvalidArgumentError, StateError } from "./errors.js";
import { ffi } from "./ffi/index.js";
import { POLLFD } from "./layouts.js";
import { LIBC_PATH, libc } from "./native.js";
import { OFF_HEAP_MIN } from "./offheap.js";

/** How `RingBuffer.wait` sleeps. */
export type WaitStrategy = "timer" | "async" | "worker";

/** @internal */
export interface Waiter {
  wait(timeoutMs: number): Promise<boolean>;
  close(): void;
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
/** poll(2) timeout: whole ms, never negative (which would block forever) nor past int32. */
const pollTimeout = (ms: number) => (Number.isNaN(ms) ? 0 : Math.min(Math.max(0, Math.ceil(ms)), 0x7fffffff));

/** Default per runtime: off-thread poll where FFI can do it, else a worker. */
export function defaultStrategy(): WaitStrategy {
  return ffi.caps.asyncCall ? "async" : "worker";
}

/** @internal */
export function makeWaiter(
  kind: WaitStrategy | undefined,
  fd: number,
  pending: () => number,
  intervalMs: number,
): Waiter {
  const k = kind ?? defaultStrategy();
  if (k === "timer") return timerWaiter(pending, intervalMs);
  if (k === "async") {
    if (!ffi.caps.asyncCall)
      throw new InvalidArgumentError(
        `wait "async" is not available on ${ffi.runtime}: use "worker" or "timer"`,
        "EINVAL",
        { errno: 22 },
      );
    return asyncWaiter(fd, pending);
  }
  if (k === "worker") return workerWaiter(fd, pending);
  throw new InvalidArgumentError(`unknown wait strategy "${k as string}"`, "EINVAL", { errno: 22 });
}

function timerWaiter(pending: () => number, intervalMs: number): Waiter {
  let closed = false;
  return {
    async wait(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (closed) return false;
        if (pending() > 0) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await sleep(Math.min(intervalMs, left));
      }
    },
    close: () => {
      closed = true;
    },
  };
}

function pollfd(fd: number): Uint8Array {
  const u8 = new Uint8Array(OFF_HEAP_MIN); // off V8's moving heap: an off-thread call holds its address
  const dv = new DataView(u8.buffer);
  dv.setInt32(POLLFD.fields.fd.offset, fd, true);
  dv.setInt16(POLLFD.fields.events.offset, POLLIN, true);
  return u8;
}

function asyncWaiter(fd: number, pending: () => number): Waiter {
  const pfd = pollfd(fd);
  const poll = libc().async.poll!;
  let closed = false;
  return {
    async wait(timeoutMs) {
      if (pending() > 0) return true;
      if (closed) return false;
      await poll(pfd, 1, pollTimeout(timeoutMs));
      return !closed && pending() > 0;
    },
    close: () => {
      closed = true;
    },
  };
}

// Worker body; `poll` comes from the adapter prelude. ctl[0]: 0 idle, 1 armed, 2 stop; ctl[1]: timeout ms.
// After each poll it goes idle until the main thread re-arms it: level-triggered poll would otherwise spin.
const WORKER_BODY = `
const { parentPort, workerData } = require("node:worker_threads");
const ctl = new Int32Array(workerData.sab);
const pfd = new Uint8Array(64);
new DataView(pfd.buffer).setInt32(0, workerData.fd, true);
new DataView(pfd.buffer).setInt16(4, ${POLLIN}, true);
for (;;) {
  Atomics.wait(ctl, 0, 0);
  if (Atomics.load(ctl, 0) === 2) break;
  const r = poll(pfd, 1, Atomics.load(ctl, 1));
  Atomics.compareExchange(ctl, 0, 1, 0);
  parentPort.postMessage(r);
}`;

function workerWaiter(fd: number, pending: () => number): Waiter {
  const sab = new SharedArrayBuffer(8);
  const ctl = new Int32Array(sab);
  let w: Worker | undefined;
  let wake: ((v: boolean | Error) => void) | undefined;
  let failed: Error | undefined;
  const start = () => {
    const src = ffi.workerPrelude(LIBC_PATH) + WORKER_BODY;
    const worker = new Worker(src, { eval: true, workerData: { sab, fd } });
    worker.on("message", () => wake?.(pending() > 0));
    worker.on("error", (cause) => {
      failed = new StateError(`ring wait worker failed: ${(cause as Error).message}`);
      wake?.(failed);
    });
    worker.unref();
    return worker;
  };
  return {
    wait(timeoutMs) {
      if (pending() > 0) return Promise.resolve(true);
      if (failed) return Promise.reject(failed);
      if (Atomics.load(ctl, 0) === 2) return Promise.resolve(false);
      w ??= start();
      const worker = w;
      return new Promise<boolean>((ok, ko) => {
        wake = (v) => {
          wake = undefined;
          worker.unref();
          if (v instanceof Error) ko(v);
          else ok(v);
        };
        worker.ref();
        Atomics.store(ctl, 1, pollTimeout(timeoutMs));
        Atomics.store(ctl, 0, 1);
        Atomics.notify(ctl, 0);
      });
    },
    close() {
      Atomics.store(ctl, 0, 2);
      Atomics.notify(ctl, 0);
      wake?.(false);
      w?.unref();
    },
  };
}

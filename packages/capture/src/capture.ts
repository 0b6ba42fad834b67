// openTapCapture: load the object, tell it this tap's policy, attach to the tap's ingress, pump the ring.
import { type BpfObject, defaultStrategy, RingBuffer, type WaitStrategy } from "libbpf-ts";
import { type AttachMode, type Attachment, attachIngress } from "./attach.js";
import { ClosedError } from "./errors.js";
import { ALL_CLASSES, CFG_VALUE_LEN, FrameClass } from "./layout.js";
import { loadCaptureObject } from "./object.js";
import { checkKernel, checkPrivileges, tapInfo } from "./preflight.js";
import { Slab } from "./slab.js";
import { CaptureSource, type FrameMeta } from "./source.js";
import { type KernelStats, readKernelStats } from "./stats.js";

/** Default ring: 64 MiB holds ~44k full-size frames, ~30 ms of a line-rate 1500 B burst (see README). */
export const DEFAULT_RING_BYTES = 64 << 20;
/** Default wakeup threshold: 256 KiB; below it the pump's own 1 ms wait drains the ring. */
export const DEFAULT_WAKEUP_BYTES = 256 << 10;

/** Quiet time before the pump goes idle: long enough that a steady flow never pays the idle switch. */
export const DEFAULT_IDLE_AFTER_MS = 20;
/** Longest idle sleep; only a frame that races the switch to idle waits this long. */
export const DEFAULT_IDLE_WAIT_MS = 100;
const IDLE_KEY = new Uint8Array(4);
const IDLE_ON = new Uint8Array([1, 0, 0, 0]);
const IDLE_OFF = new Uint8Array(4);

/** primary: IPv4 captured and dropped, the rest passes; secondary: IPv4 captured, everything dropped. */
export type TapRole = "primary" | "secondary";

/** Options of openTapCapture. */
export interface TapCaptureOptions {
  /** The tap (host side of the guest's NIC). */
  ifname: string;
  role: TapRole;
  /** Ring size in bytes: a power of two, multiple of the page size (default 64 MiB). */
  ringBytes?: number;
  /** Kernel wakes the consumer when the backlog crosses this (default 256 KiB; 0 = every record). */
  wakeupBytes?: number;
  /**
   * Called for every captured frame in order. `frame` is a stable slab-backed copy unless `zeroCopy`
   * (then a view into the ring, valid only during the call). Without it, read from `capture.source`.
   */
  onFrame?: (frame: Uint8Array, meta: FrameMeta) => void;
  /** Hand onFrame views into the ring instead of copies (default false). */
  zeroCopy?: boolean;
  /** Called if onFrame throws; the capture then stops (default: `done` rejects). */
  onError?: (e: unknown) => void;
  /** "auto" (default): TCX on kernels >= 6.6, else legacy tc. */
  attach?: AttachMode;
  /**
   * How the pump waits: "async" (poll(2) off-thread; default on Node and Deno), "worker" (a worker thread in
   * poll(2); default on Bun) or "timer" (checks every intervalMs; never sleeps longer).
   */
  wait?: WaitStrategy;
  /** Longest wait between drains while busy, i.e. the added latency below the wakeup threshold (ms, default 1). */
  intervalMs?: number;
  /** Quiet time after which the pump sleeps until the kernel wakes it on the next frame (ms, default 20). */
  idleAfterMs?: number;
  /** Longest single poll while idle: bounds the latency of a frame racing the switch to idle (ms, default 100). */
  idleWaitMs?: number;
}

/** Counters: the kernel's (every CPU) plus frames handed to onFrame. */
export interface TapCaptureStats extends KernelStats {
  delivered: number;
}

/** A running capture of one tap. */
export class TapCapture {
  readonly ifname: string;
  readonly ifindex: number;
  readonly role: TapRole;
  /** How the program is attached: "tcx" detaches when this process dies, "tc" outlives it. */
  readonly attachKind: "tcx" | "tc";
  /** The frames; drain/read/iterate it yourself when no onFrame was given. */
  readonly source: CaptureSource;
  /**
   * Settles when the pump stops: resolves on close(), rejects if onFrame threw and no onError was given.
   * Pass onError or handle `done` right after opening, or such a failure is an unhandled rejection.
   */
  readonly done: Promise<void>;
  readonly #obj: BpfObject;
  readonly #attachment: Attachment;
  readonly #slab = new Slab();
  readonly #wait: WaitStrategy;
  #delivered = 0;
  #closed = false;

  /** @internal use openTapCapture */
  constructor(o: TapCaptureOptions, ifindex: number, obj: BpfObject, ring: RingBuffer, att: Attachment) {
    this.ifname = o.ifname;
    this.ifindex = ifindex;
    this.role = o.role;
    this.attachKind = att.kind;
    this.#obj = obj;
    this.#attachment = att;
    this.#wait = o.wait ?? defaultStrategy();
    this.source = new CaptureSource(
      ring,
      o.ifname,
      ifindex,
      () => {
        ring.close();
        obj.close();
      },
      { slab: this.#slab },
    );
    this.done = o.onFrame ? this.#pump(o, o.onFrame) : Promise.resolve();
  }

  async #pump(o: TapCaptureOptions, onFrame: NonNullable<TapCaptureOptions["onFrame"]>): Promise<void> {
    const src = this.source;
    const slab = this.#slab;
    const interval = o.intervalMs ?? 1;
    const idleAfter = o.idleAfterMs ?? DEFAULT_IDLE_AFTER_MS;
    const canSleep = this.#wait !== "timer"; // a timer "sleep" is still a tick per interval
    const deliver = o.zeroCopy
      ? (frame: Uint8Array, meta: FrameMeta) => onFrame(frame, meta)
      : (frame: Uint8Array, meta: FrameMeta) => onFrame(slab.copy(frame, 0, frame.length), meta);
    try {
      let quietSince = Date.now();
      while (!this.#closed) {
        const n = src.drain(deliver);
        this.#delivered += n;
        if (this.#closed) break;
        if (n > 0) quietSince = Date.now();
        else if (canSleep && Date.now() - quietSince >= idleAfter) {
          await this.#sleep(o.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS);
          continue;
        }
        await src.wait(interval);
      }
    } catch (e) {
      if (this.#closed && e instanceof ClosedError) return;
      this.close();
      if (!o.onError) throw e;
      o.onError(e);
    }
  }

  // Idle: ask the program for the kernel's wakeup on the first record, then sleep in poll(2) until data or
  // close. A record that read the flag just before it was set gets no wakeup; `maxMs` bounds that case.
  async #sleep(maxMs: number): Promise<void> {
    const idle = this.#obj.map("idle");
    idle.update(IDLE_KEY, IDLE_ON);
    try {
      // source.wait resolves on close() even while its poll(2) is still running off-thread.
      while (!this.#closed && this.source.pendingBytes === 0) await this.source.wait(maxMs);
    } finally {
      if (!this.#closed) idle.update(IDLE_KEY, IDLE_OFF);
    }
  }

  /** Kernel counters summed over CPUs, plus frames delivered to onFrame. */
  stats(): TapCaptureStats {
    if (this.#closed) throw new ClosedError(`capture of tap:${this.ifname}`);
    return { ...readKernelStats(this.#obj.map("stats")), delivered: this.#delivered };
  }

  /** Detaches (traffic flows untouched again), unmaps the ring and unloads the program. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#attachment.detach();
    } finally {
      this.source.close();
    }
  }

  /** Same as close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The cfg map value for a role: {capture_mask, drop_mask}. */
export function roleConfig(role: TapRole): Uint8Array {
  const v = new Uint8Array(CFG_VALUE_LEN);
  const dv = new DataView(v.buffer);
  dv.setUint32(0, FrameClass.IPv4, true);
  dv.setUint32(4, role === "primary" ? FrameClass.IPv4 : ALL_CLASSES, true);
  return v;
}

/**
 * Starts capturing a tap: IPv4 frames the guest sends go to the ring (and onFrame) instead of the network;
 * other frames pass (primary) or are dropped (secondary) in the kernel. Throws PrivilegeError,
 * InterfaceNotFoundError, KernelSupportError or AttachError with what to do.
 * @example const cap = await openTapCapture({ ifname: "vnet0", role: "primary", onFrame: (f) => hold(f) });
 */
export async function openTapCapture(o: TapCaptureOptions): Promise<TapCapture> {
  const what = `tap:${o.ifname} capture`;
  if (o.role !== "primary" && o.role !== "secondary")
    throw new TypeError(`${what}: role must be "primary" or "secondary"`);
  checkPrivileges(what);
  checkKernel("BPF ring buffer capture", 5, 8);
  const tap = tapInfo(o.ifname);
  const obj = loadCaptureObject({
    programs: ["capture"],
    ringBytes: o.ringBytes ?? DEFAULT_RING_BYTES,
    wakeupBytes: o.wakeupBytes ?? DEFAULT_WAKEUP_BYTES,
    what,
  });
  let ring: RingBuffer | undefined;
  try {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, tap.ifindex, true);
    obj.map("cfg").update(key, roleConfig(o.role));
    ring = new RingBuffer(obj.map("rb"), {
      wait: o.wait ?? defaultStrategy(),
      intervalMs: o.intervalMs ?? 1,
    });
    const att = attachIngress(obj.program("capture"), o.ifname, tap.ifindex, o.attach ?? "auto");
    return new TapCapture(o, tap.ifindex, obj, ring, att);
  } catch (e) {
    ring?.close();
    obj.close();
    throw e;
  }
}

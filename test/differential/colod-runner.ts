// Runs a scenario through @colod/compare: the same framed bytes go through @colod/wire's FrameDecoder into the
// engine, whose clock is virtual and moves only with the scenario's waits (scan() every expired_scan_cycle).
import { Comparator } from "@colod/compare";
import { encode, FrameDecoder } from "@colod/wire";
import { type BuiltStep, type Observed, OPTION_SETS, type OptionSet, type SeenFrame } from "./scenario.js";

/**
 * SPEC 6's coalescing of checkpoint requests: after one is sent, more are held back until a checkpoint or until
 * one expired-scan-cycle has passed; a cause that persists is requested again by the engine's next scan.
 */
export class RequestCoalescer {
  private lastSent = Number.NEGATIVE_INFINITY;
  private outstanding = false;

  constructor(private readonly cycleMs: number) {}

  /** True when this request goes out. */
  request(now: number): boolean {
    if (this.outstanding && now - this.lastSent < this.cycleMs) return false;
    this.outstanding = true;
    this.lastSent = now;
    return true;
  }

  /** A checkpoint happened: the next request goes out at once. */
  checkpoint(): void {
    this.outstanding = false;
  }
}

/** Plays the steps through a fresh Comparator, then checkpoints, and returns what it released and requested. */
export function runColod(set: OptionSet, steps: BuiltStep[]): Observed {
  const o: {
    vnetHdr?: boolean;
    compareTimeoutMs?: number;
    expiredScanCycleMs?: number;
    maxQueueSize?: number;
  } = OPTION_SETS[set];
  const vnetHdr = o.vnetHdr ?? false;
  const cycle = o.expiredScanCycleMs ?? 1000;
  let now = 0;
  const released: SeenFrame[] = [];
  const notify: string[] = [];
  const coalescer = new RequestCoalescer(cycle);
  const cmp = new Comparator(
    {
      ...(o.compareTimeoutMs === undefined ? {} : { compareTimeoutMs: o.compareTimeoutMs }),
      expiredScanCycleMs: cycle,
      ...(o.maxQueueSize === undefined ? {} : { maxQueueSize: o.maxQueueSize }),
      now: () => now,
    },
    {
      release: (frame, vnetHdrLen) => released.push({ payload: new Uint8Array(frame), vnetHdrLen }),
      checkpointRequest: () => {
        if (coalescer.request(now)) notify.push("DO_CHECKPOINT");
      },
    },
  );
  const decoder = (push: (f: Uint8Array, v: number) => void) => new FrameDecoder({ vnetHdr, onFrame: push });
  const input = {
    p: decoder((f, v) => cmp.pushPrimary(f, v)),
    s: decoder((f, v) => cmp.pushSecondary(f, v)),
  };
  const checkpoint = () => {
    cmp.checkpoint();
    coalescer.checkpoint();
  };
  let nextScan = cycle;
  for (const st of steps) {
    if ("side" in st) input[st.side].push(encode(st.bytes, st.vnetWord, { vnetHdr }));
    else if ("to" in st) input[st.to].push(st.wire);
    else if ("wait" in st) {
      const end = now + st.wait;
      for (; nextScan <= end; nextScan += cycle) {
        now = nextScan;
        cmp.scan();
      }
      now = end;
    } else if (st.notify === "COLO_CHECKPOINT") checkpoint();
    else notify.push(answerNotify(st.notify));
  }
  const out = released.splice(0);
  checkpoint();
  return { out, flushed: released.splice(0), notify, aborted: false };
}

/** The notify_dev handshake reply (SPEC 2). */
function answerNotify(_msg: "COLO_USERSPACE_PROXY_INIT"): string {
  return "COLO_COMPARE_GET_XEN_INIT";
}

// openTapRelease: put frames back on a tap's host-side receive path as if the guest had just sent them,
// through BPF_PROG_TEST_RUN with XDP live frames. The XDP program tags each frame with a metadata cookie
// that the capture program recognises, so released frames pass it (see README, "Release path").
import { BPF_F_TEST_XDP_LIVE_FRAMES, type BpfObject, LibbpfError, xdpContext } from "libbpf-ts";
import { ClosedError, FrameTooLargeError, ReleaseError } from "./errors.js";
import { L2_OVERHEAD } from "./layout.js";
import { loadCaptureObject } from "./object.js";
import { checkKernel, checkPrivileges, tapInfo } from "./preflight.js";

/**
 * Longest frame XDP live frames carry: frame, XDP headroom, the kernel's per-page test-run header and the
 * skb_shared_info tail share one 4 KiB page. 3408 measured on 6.18 x86-64; release.test.ts pins it.
 */
export const XDP_LIVE_MAX_FRAME = 3408;
/** Shortest frame the kernel takes (an Ethernet header). */
export const MIN_FRAME = 14;
// The release object needs a ring map too; the smallest legal one (a 64 KiB page on any arch).
const RELEASE_RING_BYTES = 64 << 10;
const XDP_MD_SIZE = 24;

/** Options of openTapRelease. */
export interface TapReleaseOptions {
  /** The tap whose host-side path frames are injected into. */
  ifname: string;
}

/** Counters of one release handle. */
export interface TapReleaseStats {
  /** Frames the kernel took. */
  released: number;
  /** Bytes of those frames. */
  bytes: number;
  /** Frames refused for their length (FrameTooLargeError). */
  refusedTooLarge: number;
  /** Frames the kernel failed to take (write returned false). */
  failed: number;
}

/** Re-injects frames into one tap's ingress. Not re-entrant: one write at a time (it is synchronous). */
export class TapRelease {
  readonly ifname: string;
  readonly ifindex: number;
  /** Device MTU when opened. */
  readonly mtu: number;
  /** Longest frame write() accepts: min(MTU + 18, XDP_LIVE_MAX_FRAME). */
  readonly maxFrame: number;
  readonly #obj: BpfObject;
  // Frames are copied into one off-heap buffer: its address is stable while the kernel reads it.
  readonly #data = new Uint8Array(4096);
  readonly #ctx = new Uint8Array(64);
  readonly #stats: TapReleaseStats = { released: 0, bytes: 0, refusedTooLarge: 0, failed: 0 };
  #closed = false;

  /** @internal use openTapRelease */
  constructor(ifname: string, ifindex: number, mtu: number, obj: BpfObject) {
    this.ifname = ifname;
    this.ifindex = ifindex;
    this.mtu = mtu;
    this.maxFrame = Math.min(mtu + L2_OVERHEAD, XDP_LIVE_MAX_FRAME);
    this.#obj = obj;
  }

  /**
   * Injects one frame; true once the kernel took it, false if it could not right now (out of memory,
   * counted in `failed`). Throws FrameTooLargeError above `maxFrame` (counted, never truncated).
   */
  write(frame: Uint8Array): boolean {
    if (this.#closed) throw new ClosedError(`release to tap:${this.ifname}`);
    const len = frame.byteLength;
    if (len > this.maxFrame) {
      this.#stats.refusedTooLarge++;
      const why =
        len > this.mtu + L2_OVERHEAD ? `MTU ${this.mtu} + ${L2_OVERHEAD}` : "XDP live-frame release limit";
      throw new FrameTooLargeError(this.ifname, len, this.maxFrame, why);
    }
    if (len < MIN_FRAME)
      throw new ReleaseError(`tap:${this.ifname}: frame of ${len} bytes is shorter than an Ethernet header`);
    this.#data.set(frame);
    const ctx = xdpContext(len, this.ifindex, this.#ctx.subarray(0, XDP_MD_SIZE));
    // Live frames report no verdict (retval stays 0): the program only aborts if the headroom is missing,
    // which the kernel's fixed XDP headroom rules out; capture's `released` counter is the end-to-end check.
    try {
      this.#obj
        .program("release")
        .testRun({ data: this.#data.subarray(0, len), ctx, flags: BPF_F_TEST_XDP_LIVE_FRAMES });
    } catch (e) {
      if (!(e instanceof LibbpfError && (e.code === "ENOMEM" || e.code === "ENOBUFS"))) {
        throw new ReleaseError(
          `tap:${this.ifname}: the kernel refused the frame: ${(e as Error).message}`,
          e,
        );
      }
      this.#stats.failed++;
      return false;
    }
    this.#stats.released++;
    this.#stats.bytes += len;
    return true;
  }

  /** A snapshot of the counters. */
  stats(): TapReleaseStats {
    return { ...this.#stats };
  }

  /** Unloads the release program. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#obj.close();
  }

  /** Same as close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Opens the release path of a tap (needs CAP_BPF + CAP_NET_ADMIN and Linux >= 5.18).
 * @example const out = await openTapRelease({ ifname: "vnet0" }); out.write(frame);
 */
export async function openTapRelease(o: TapReleaseOptions): Promise<TapRelease> {
  const what = `tap:${o.ifname} release`;
  checkPrivileges(what);
  checkKernel("XDP live-frame release", 5, 18);
  const tap = tapInfo(o.ifname);
  const obj = loadCaptureObject({
    programs: ["release"],
    ringBytes: RELEASE_RING_BYTES,
    wakeupBytes: 0,
    what,
  });
  return new TapRelease(o.ifname, tap.ifindex, tap.mtu, obj);
}

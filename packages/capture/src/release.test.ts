// Release on real devices: frames captured from the guest are put back on the tap's path and reach the
// outside exactly once, in order; oversize frames are refused with a clear error.
import { buildFrame } from "@colod/packet";
import { BPF_F_TEST_XDP_LIVE_FRAMES, xdpContext } from "libbpf-ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createTopology,
  type Guest,
  ifindexOf,
  netnsUnavailable,
  openGuest,
  type Topology,
} from "../../../test/harness/netns.js";
import { openTapCapture } from "./capture.js";
import { FrameTooLargeError, InterfaceNotFoundError, ReleaseError } from "./errors.js";
import { loadCaptureObject } from "./object.js";
import { openTapRelease, XDP_LIVE_MAX_FRAME } from "./release.js";

const skip = netnsUnavailable();
const hex = (f: Uint8Array) => Buffer.from(f).toString("hex");
const frame = (i: number, size: number) =>
  buildFrame({ sport: 4100, payload: `rel-${i}`.padEnd(size - 42, "-"), ipId: i & 0xffff });

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

describe.skipIf(skip)("tap release on real devices", () => {
  let topo: Topology;
  let jumbo: Topology;
  let guest: Guest;
  let jumboGuest: Guest;

  beforeAll(async () => {
    topo = createTopology({ taps: 1 });
    jumbo = createTopology({ taps: 1, mtu: 9000 });
    guest = await openGuest(topo.taps[0]!);
    jumboGuest = await openGuest(jumbo.taps[0]!); // a tap without its guest has no carrier: the bridge drops
  });

  afterAll(async () => {
    await guest?.close();
    await jumboGuest?.close();
    topo?.destroy();
    jumbo?.destroy();
  });

  test("captured frames released back reach the outside exactly once and in order", async () => {
    const held: Uint8Array[] = [];
    const cap = await openTapCapture({
      ifname: topo.taps[0]!,
      role: "primary",
      ringBytes: 1 << 20,
      onFrame: (f) => void held.push(f),
    });
    const out = await openTapRelease({ ifname: topo.taps[0]! });
    try {
      const rec = await topo.record("udp port 4100");
      const sent = Array.from({ length: 200 }, (_, i) => frame(i, 64 + ((i * 37) % 1400)));
      await guest.send(sent);
      await until(() => held.length >= 200);
      expect(held.length).toBe(200);
      for (const f of held) expect(out.write(f)).toBe(true);
      const seen = await rec.stop(200);
      expect(seen.map(hex)).toEqual(sent.map(hex));
      expect(cap.stats()).toMatchObject({ captured: 200, released: 200, dropped: 200 });
      expect(out.stats()).toMatchObject({ released: 200, failed: 0, refusedTooLarge: 0 });
      expect(held.length).toBe(200); // released frames passed the capture program instead of coming back
    } finally {
      out.close();
      cap.close();
    }
  });

  test("a frame above the MTU is refused with a clear error, counted, and never sent", async () => {
    const out = await openTapRelease({ ifname: topo.taps[0]! });
    try {
      expect(out.maxFrame).toBe(1518);
      const rec = await topo.record("udp port 4100");
      const big = frame(1, 1600);
      const err = (() => {
        try {
          out.write(big);
        } catch (e) {
          return e;
        }
      })() as FrameTooLargeError;
      expect(err).toBeInstanceOf(FrameTooLargeError);
      expect(err.code).toBe("ERR_CAPTURE_FRAME_TOO_LARGE");
      expect(err.message).toContain(`tap:${topo.taps[0]}`);
      expect(err.message).toContain("1600 bytes");
      expect(err.message).toContain("MTU 1500");
      expect(out.write(frame(2, 1514))).toBe(true);
      expect(() => out.write(new Uint8Array(10))).toThrow(ReleaseError);
      const seen = await rec.stop();
      expect(seen.map((f) => f.length)).toEqual([1514]);
      expect(out.stats()).toMatchObject({ released: 1, refusedTooLarge: 1, bytes: 1514 });
    } finally {
      out.close();
    }
  });

  test("jumbo MTU: frames up to the XDP live-frame limit are released, longer ones refused", async () => {
    const out = await openTapRelease({ ifname: jumbo.taps[0]! });
    try {
      expect(out.maxFrame).toBe(XDP_LIVE_MAX_FRAME);
      const rec = await jumbo.record("udp port 4100");
      expect(out.write(frame(1, XDP_LIVE_MAX_FRAME))).toBe(true);
      expect(() => out.write(frame(2, XDP_LIVE_MAX_FRAME + 1))).toThrow(/XDP live-frame release limit/);
      expect((await rec.stop()).map((f) => f.length)).toEqual([XDP_LIVE_MAX_FRAME]);
    } finally {
      out.close();
    }
  });

  test("the XDP live-frame limit is the kernel's, not a guess", () => {
    const obj = loadCaptureObject({
      programs: ["release"],
      ringBytes: 1 << 16,
      wakeupBytes: 0,
      what: "limit probe",
    });
    try {
      const ifindex = ifindexOf(jumbo.taps[0]!);
      const run = (n: number) =>
        obj.program("release").testRun({
          data: new Uint8Array(4096).subarray(0, n),
          ctx: xdpContext(n, ifindex),
          flags: BPF_F_TEST_XDP_LIVE_FRAMES,
        });
      expect(run(XDP_LIVE_MAX_FRAME).retval).toBe(0); // live frames report no verdict
      expect(() => run(XDP_LIVE_MAX_FRAME + 1)).toThrow(/EINVAL/);
    } finally {
      obj.close();
    }
  });

  test("a missing interface gives InterfaceNotFoundError", async () => {
    await expect(openTapRelease({ ifname: "nosuchtap1" })).rejects.toThrow(InterfaceNotFoundError);
  });
});

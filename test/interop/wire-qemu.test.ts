// Interop of @colod/wire with the real thing: Debian's QEMU 7.2 colo-compare reads what our encoder writes on
// primary_in, secondary_in and notify_dev, and our FrameDecoder reads what QEMU writes on outdev and notify_dev.
// Run plain and with vnet_hdr_support=on (vnet header bytes at the front of the payload + the vnet word).
import { buildFrame, type FrameSpec } from "@colod/packet";
import { encode, encodeNotify, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FramedClient, type ReceivedFrame } from "../harness/framed-client.js";
import { type ColoCompare, sleep, startColoCompare } from "../harness/qemu.js";

// A virtio_net_hdr_mrg_rxbuf (12 bytes) with non-zero fields, so a dropped or shifted header would show.
const VNET_HDR = Uint8Array.from([0x01, 0x00, 0x0e, 0x00, 0x36, 0x05, 0x22, 0x00, 0x10, 0x00, 0x01, 0x00]);
// Nothing arrives within this window means nothing was emitted (QEMU forwards within a millisecond or two).
const QUIET_MS = 250;
const WAIT_MS = 3_000;

const modes = [
  { name: "plain framing", vnetHdr: false },
  { name: "vnet_hdr_support=on", vnetHdr: true },
];

describe.each(modes)("QEMU 7.2 colo-compare and @colod/wire, $name", ({ vnetHdr }) => {
  let cc: ColoCompare;
  let pri: FramedClient;
  let sec: FramedClient;
  let out: FramedClient;
  let nfy: FramedClient;
  const vnetLen = vnetHdr ? VNET_HDR.length : 0;
  /** A frame as the guest's NIC hands it over: vnet header first when vnet_hdr_support is on. */
  const frame = (spec: FrameSpec) => buildFrame(vnetHdr ? { ...spec, vnetHdr: VNET_HDR } : spec);
  /** A notify message as the COLO frame writes it: with the vnet word when QEMU's notify input expects it. */
  const notifyIn = (msg: NotifyMessage) =>
    vnetHdr ? encode(notifyPayload(msg), 0, { vnetHdr: true }) : encodeNotify(msg);
  const messages = (frames: ReceivedFrame[]) => frames.map((f) => parseNotify(f.payload) ?? "?");

  beforeAll(async () => {
    cc = await startColoCompare({ vnetHdr, notify: true });
    [pri, sec, out, nfy] = await Promise.all([
      FramedClient.connect(cc.paths.primary, { vnetHdr }),
      FramedClient.connect(cc.paths.secondary, { vnetHdr }),
      FramedClient.connect(cc.paths.outdev, { vnetHdr }),
      // QEMU writes notify frames without the vnet word, whatever vnet_hdr_support says.
      FramedClient.connect(cc.paths.notify!, { vnetHdr, rxVnetHdr: false }),
    ]);
    for (const id of ["pri", "sec", "out", "nfy"] as const) await cc.waitConnected(id);
  });

  afterAll(async () => {
    await Promise.all([pri, sec, out, nfy].map((c) => c?.close()));
    await cc?.stop();
  });

  test("an identical UDP pair comes out of outdev exactly as written on primary_in", async () => {
    const p = frame({ proto: "udp", sport: 4001, payload: "identical udp payload", ipId: 7 });
    const s = frame({ proto: "udp", sport: 4001, payload: "identical udp payload", ipId: 9, ttl: 63 });
    await pri.send(p, vnetLen);
    await sec.send(s, vnetLen);
    const [got] = await out.waitFrames(1, WAIT_MS);
    expect(got).toEqual({ payload: p, vnetHdrLen: vnetLen });
    expect(await out.collect(QUIET_MS)).toEqual([]);
    expect(await nfy.collect(0)).toEqual([]);
    expect(out.errors).toEqual([]);
  });

  test("an identical TCP segment pair comes out exactly as written on primary_in", async () => {
    const seg = {
      proto: "tcp",
      sport: 4002,
      seq: 1000,
      ack: 500,
      payload: "GET / HTTP/1.1\r\n\r\n",
    } as const;
    const p = frame({ ...seg, tcpOptions: Uint8Array.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]) });
    const s = frame({ ...seg, tcpOptions: Uint8Array.from([1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6]) });
    await sec.send(s, vnetLen);
    await pri.send(p, vnetLen);
    const [got] = await out.waitFrames(1, WAIT_MS);
    expect(got).toEqual({ payload: p, vnetHdrLen: vnetLen });
    expect(await out.collect(QUIET_MS)).toEqual([]);
  });

  test("notify: COLO_USERSPACE_PROXY_INIT is answered with COLO_COMPARE_GET_XEN_INIT", async () => {
    await nfy.write(notifyIn(NotifyMessage.COLO_USERSPACE_PROXY_INIT));
    const [reply] = await nfy.waitFrames(1, WAIT_MS);
    // Decoded without the vnet word even in vnet mode: QEMU's asymmetry, byte for byte.
    expect(reply).toEqual({ payload: notifyPayload(NotifyMessage.COLO_COMPARE_GET_XEN_INIT), vnetHdrLen: 0 });
    expect(nfy.errors).toEqual([]);
    expect(await out.collect(0)).toEqual([]);
  });

  test("a divergence gives DO_CHECKPOINT; COLO_CHECKPOINT releases the held primary frames only", async () => {
    const pDiff = frame({ proto: "udp", sport: 4003, payload: "primary says yes" });
    const sDiff = frame({ proto: "udp", sport: 4003, payload: "secondary says no" });
    const pAlone = frame({ proto: "udp", sport: 4004, payload: "no secondary yet" });
    await pri.send(pAlone, vnetLen);
    await pri.send(pDiff, vnetLen);
    await sec.send(sDiff, vnetLen);
    expect(messages(await nfy.waitFrames(1, WAIT_MS))).toEqual([NotifyMessage.DO_CHECKPOINT]);
    expect(await out.collect(QUIET_MS)).toEqual([]);

    await nfy.write(notifyIn(NotifyMessage.COLO_CHECKPOINT));
    const released = await out.waitFrames(2, WAIT_MS);
    const key = (f: ReceivedFrame) => Buffer.from(f.payload).toString("hex");
    expect(released.map(key).sort()).toEqual(
      [pDiff, pAlone].map((p) => key({ payload: p, vnetHdrLen: 0 })).sort(),
    );
    expect(released.every((f) => f.vnetHdrLen === vnetLen)).toBe(true);
    expect(await out.collect(QUIET_MS)).toEqual([]);
    expect(await nfy.collect(0)).toEqual([]);
  });

  test("a primary frame written one byte per write is reassembled by QEMU", async () => {
    const p = frame({ proto: "udp", sport: 4005, payload: "one byte at a time" });
    const wire = encode(p, vnetLen, { vnetHdr });
    for (let i = 0; i < wire.length; i++) {
      await pri.write(wire.subarray(i, i + 1));
      await sleep(1);
    }
    await sec.send(frame({ proto: "udp", sport: 4005, payload: "one byte at a time", ipId: 3 }), vnetLen);
    const [got] = await out.waitFrames(1, WAIT_MS);
    expect(got).toEqual({ payload: p, vnetHdrLen: vnetLen });
    expect(cc.stderr()).toBe("");
  });
});

describe("QEMU 7.2 notify_dev with vnet_hdr_support=on", () => {
  test("reads its input with the vnet word: a notify frame without it gets no reply", async () => {
    const cc = await startColoCompare({ vnetHdr: true, notify: true });
    const nfy = await FramedClient.connect(cc.paths.notify!, { vnetHdr: true, rxVnetHdr: false });
    try {
      await cc.waitConnected("nfy");
      await nfy.write(encodeNotify(NotifyMessage.COLO_USERSPACE_PROXY_INIT));
      expect(await nfy.collect(QUIET_MS)).toEqual([]);
    } finally {
      await nfy.close();
      await cc.stop();
    }
  });
});

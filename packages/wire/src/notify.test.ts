import { describe, expect, test } from "vitest";
import { FrameDecoder } from "./decoder.js";
import { decode, encode } from "./frame.js";
import { encodeNotify, NotifyMessage, notifyPayload, parseNotify } from "./notify.js";

describe("notify messages", () => {
  test("DO_CHECKPOINT is byte-exact with QEMU", () => {
    // 00 00 00 0d = len 13, then ASCII "DO_CHECKPOINT" without NUL
    expect([...encodeNotify(NotifyMessage.DO_CHECKPOINT)]).toEqual([
      0x00, 0x00, 0x00, 0x0d, 0x44, 0x4f, 0x5f, 0x43, 0x48, 0x45, 0x43, 0x4b, 0x50, 0x4f, 0x49, 0x4e, 0x54,
    ]);
  });
  test("lengths match QEMU's table", () => {
    expect(notifyPayload(NotifyMessage.COLO_USERSPACE_PROXY_INIT).length).toBe(25);
    expect(notifyPayload(NotifyMessage.COLO_COMPARE_GET_XEN_INIT).length).toBe(25);
    expect(notifyPayload(NotifyMessage.COLO_CHECKPOINT).length).toBe(15);
  });
  test("writes never carry the vnet word; reads with vnet do", () => {
    // colod -> frame: no vnet word even with vnet_hdr_support (QEMU's asymmetry)
    const out = encodeNotify(NotifyMessage.COLO_COMPARE_GET_XEN_INIT);
    expect(out.length).toBe(4 + 25);
    // frame -> colod with vnet_hdr_support: len, vnet_len, payload
    const inbound = encode(notifyPayload(NotifyMessage.COLO_CHECKPOINT), 0, { vnetHdr: true });
    const got: (string | undefined)[] = [];
    const dec = new FrameDecoder({ vnetHdr: true, onFrame: (p) => got.push(parseNotify(p)) });
    dec.push(inbound);
    expect(got).toEqual(["COLO_CHECKPOINT"]);
  });
  test("parse matches exactly: no prefix, no NUL, no case folding", () => {
    for (const m of Object.values(NotifyMessage)) expect(parseNotify(notifyPayload(m))).toBe(m);
    const te = new TextEncoder();
    expect(parseNotify(te.encode("DO_CHECKPOINT\0"))).toBeUndefined();
    expect(parseNotify(te.encode("DO_CHECKPOIN"))).toBeUndefined();
    expect(parseNotify(te.encode("do_checkpoint"))).toBeUndefined();
    expect(parseNotify(new Uint8Array(0))).toBeUndefined();
    expect(decode(encodeNotify(NotifyMessage.DO_CHECKPOINT), { vnetHdr: false })!.bytes).toBe(17);
  });
});

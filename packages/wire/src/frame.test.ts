import { describe, expect, test } from "vitest";
import { EncodeError, OversizeFrameError, ZeroLengthFrameError } from "./errors.js";
import { decode, encode, encodeInto, encodingLength } from "./frame.js";

const plain = { vnetHdr: false };
const vnet = { vnetHdr: true };

// A plain frame: 6-byte payload "COLO!\n".
const PLAIN_FIXTURE = Uint8Array.from([
  0x00,
  0x00,
  0x00,
  0x06, // len = 6 (u32be), counts the payload only
  0x43,
  0x4f,
  0x4c,
  0x4f,
  0x21,
  0x0a, // payload "COLO!\n"
]);

// A vnet frame: 12-byte virtio-net header + 2 bytes, len covers both, vnet_hdr_len says where the frame starts.
const VNET_FIXTURE = Uint8Array.from([
  0x00,
  0x00,
  0x00,
  0x0e, // len = 14: vnet header (12) + frame (2)
  0x00,
  0x00,
  0x00,
  0x0c, // vnet_hdr_len = 12
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00, // virtio_net_hdr_mrg_rxbuf, flags=1
  0xab,
  0xcd, // frame bytes
]);

describe("frame codec fixtures", () => {
  test("plain: decode", () => {
    const f = decode(PLAIN_FIXTURE, plain)!;
    expect(f.bytes).toBe(10);
    expect(f.vnetHdrLen).toBe(0);
    expect(new TextDecoder().decode(f.payload)).toBe("COLO!\n");
  });
  test("plain: encode and round-trip", () => {
    const payload = PLAIN_FIXTURE.subarray(4);
    expect(encode(payload, 0, plain)).toEqual(PLAIN_FIXTURE);
    expect(encodingLength(6, plain)).toBe(10);
    const f = decode(encode(payload, 0, plain), plain)!;
    expect(f.payload).toEqual(payload);
  });
  test("vnet: decode, encode, round-trip", () => {
    const f = decode(VNET_FIXTURE, vnet)!;
    expect(f.bytes).toBe(22);
    expect(f.vnetHdrLen).toBe(12);
    expect(f.payload.length).toBe(14);
    expect(f.payload[12]).toBe(0xab);
    expect(encode(f.payload, f.vnetHdrLen, vnet)).toEqual(VNET_FIXTURE);
    expect(encodingLength(14, vnet)).toBe(22);
  });
  test("decode returns views, not copies", () => {
    const f = decode(PLAIN_FIXTURE, plain)!;
    expect(f.payload.buffer).toBe(PLAIN_FIXTURE.buffer);
    expect(f.payload.byteOffset).toBe(4);
  });
  test("encode at an offset inside a larger buffer leaves the rest alone", () => {
    const buf = new Uint8Array(40).fill(0xee);
    const n = encodeInto(VNET_FIXTURE.subarray(8), 12, vnet, buf, 7);
    expect(n).toBe(22);
    expect(buf.subarray(7, 29)).toEqual(VNET_FIXTURE);
    expect(buf.subarray(0, 7).every((b) => b === 0xee)).toBe(true);
    expect(buf.subarray(29).every((b) => b === 0xee)).toBe(true);
    expect(decode(buf, vnet, 7)!.payload).toEqual(VNET_FIXTURE.subarray(8));
  });
  test("decode at an offset and incomplete input", () => {
    const two = new Uint8Array([...PLAIN_FIXTURE, ...PLAIN_FIXTURE]);
    expect(decode(two, plain, 10)!.bytes).toBe(10);
    for (let cut = 0; cut < PLAIN_FIXTURE.length; cut++)
      expect(decode(PLAIN_FIXTURE.subarray(0, cut), plain)).toBeUndefined();
  });
  test("69632 is accepted, 69633 is oversize", () => {
    const max = new Uint8Array(69632).fill(7);
    const enc = encode(max, 0, plain);
    expect(decode(enc, plain)!.payload.length).toBe(69632);
    const over = Uint8Array.from([0x00, 0x01, 0x10, 0x01]); // 69633
    expect(() => decode(over, plain)).toThrow(OversizeFrameError);
    try {
      decode(over, plain);
    } catch (e) {
      expect((e as OversizeFrameError).code).toBe("ERR_WIRE_OVERSIZE_FRAME");
    }
    expect(() => encode(new Uint8Array(69633), 0, plain)).toThrow(EncodeError);
  });
  test("zero-length frame is a typed error, and encode refuses empty payloads", () => {
    expect(() => decode(Uint8Array.from([0, 0, 0, 0]), plain)).toThrow(ZeroLengthFrameError);
    expect(() => encode(new Uint8Array(0), 0, plain)).toThrow(/empty payload/);
  });
  test("encodeInto refuses a buffer that is too small", () => {
    expect(() => encodeInto(new Uint8Array(10), 0, plain, new Uint8Array(13))).toThrow(/buffer too small/);
  });
});

// Build -> parse round trip over generated FrameSpecs (fast-check): every field the builder was given
// comes back out of the parser, at any vnet header length and padding, from a view inside a larger buffer.
import fc from "fast-check";
import { expect, test } from "vitest";
import { ipv4ToNumber } from "./addr.js";
import { buildFrame, type FrameSpec } from "./build.js";
import { newPacketInfo, parse } from "./parse.js";
import { FrameClass, FrameIssue } from "./types.js";

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ip = fc.ipV4();
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

const spec = fc.record(
  {
    proto: fc.constantFrom<FrameSpec["proto"]>("tcp", "udp", "icmp", 47, 132),
    src: ip,
    dst: ip,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: fc.integer({ min: 0, max: 0xff }),
    tcpOptions: bytes(40),
    ipOptions: bytes(40),
    payload: bytes(300),
    ipId: u16,
    ttl: fc.integer({ min: 0, max: 255 }),
    df: fc.boolean(),
    moreFragments: fc.boolean(),
    padTo: fc.integer({ min: 0, max: 400 }),
    vnetHdrLen: fc.integer({ min: 0, max: 20 }),
  },
  { requiredKeys: ["proto", "src", "dst"] },
);

const L4_CLASS = { tcp: FrameClass.Tcp, udp: FrameClass.Udp, icmp: FrameClass.Icmp } as Record<
  string,
  number
>;

test("parse(buildFrame(spec)) gives back the spec's fields", () => {
  const info = newPacketInfo();
  fc.assert(
    fc.property(spec, fc.integer({ min: 0, max: 64 }), (s, at) => {
      const built = buildFrame(s);
      const host = new Uint8Array(at + built.length + 7).fill(0xa5);
      host.set(built, at);
      const frame = host.subarray(at, at + built.length);
      parse(frame, s.vnetHdrLen ?? 0, info);
      const vnet = s.vnetHdrLen ?? 0;
      const ipHl = 20 + ((((s.ipOptions?.length ?? 0) + 3) >> 2) << 2);
      const tcpHl = 20 + ((((s.tcpOptions?.length ?? 0) + 3) >> 2) << 2);
      const payloadLen = s.payload?.length ?? 0;
      const proto = typeof s.proto === "number" ? s.proto : ({ icmp: 1, tcp: 6, udp: 17 } as const)[s.proto!];
      const l4Len =
        proto === 6 ? tcpHl + payloadLen : proto === 17 || proto === 1 ? 8 + payloadLen : payloadLen;
      expect(info).toMatchObject({
        cls: L4_CLASS[String(s.proto)] ?? FrameClass.Other,
        issue: FrameIssue.None,
        l2Offset: vnet,
        l3Offset: vnet + 14,
        ipHeaderLen: ipHl,
        ipTotalLen: ipHl + l4Len,
        ipProto: proto,
        ipFragWord: (s.df ? 0x4000 : 0) | (s.moreFragments ? 0x2000 : 0),
        srcAddr: ipv4ToNumber(s.src as string),
        dstAddr: ipv4ToNumber(s.dst as string),
        l4Offset: vnet + 14 + ipHl,
        cmpEnd: vnet + 14 + ipHl + l4Len,
        frameLen: vnet + Math.max(14 + ipHl + l4Len, s.padTo ?? 0),
      });
      if (proto === 6) {
        expect(info).toMatchObject({
          srcPort: s.sport ?? 1234,
          dstPort: s.dport ?? 5678,
          tcpSeq: s.seq ?? 0,
        });
        expect(info).toMatchObject({
          tcpAck: s.ack ?? 0,
          tcpHeaderLen: tcpHl,
          cmpStart: info.l4Offset + tcpHl,
        });
        if (s.flags !== undefined) expect(info.tcpFlags).toBe(s.flags);
      } else if (proto === 17) {
        expect(info).toMatchObject({
          srcPort: s.sport ?? 1234,
          dstPort: s.dport ?? 5678,
          cmpStart: info.l4Offset,
        });
      } else {
        expect(info).toMatchObject({ srcPort: 0, dstPort: 0, cmpStart: info.l4Offset });
      }
      expect(frame.subarray(info.cmpEnd - payloadLen, info.cmpEnd)).toEqual(s.payload ?? new Uint8Array(0));
    }),
    { numRuns: 500 },
  );
});

import { describe, expect, test } from "vitest";
import { buildArp, buildFrame, buildIpv6Udp, buildRaw } from "./build.js";
import { FrameSpecError } from "./errors.js";
import { TcpFlag } from "./types.js";

// An independent verifier: sums 16-bit big-endian words with a DataView and a BigInt accumulator (the
// builder uses byte pairs and a number), so a shared bug cannot make both agree. A correct checksum
// field makes the folded sum over the covered bytes 0xffff.
function verifies(bytes: Uint8Array, pseudo: number[] = []): boolean {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sum = 0n;
  for (const w of pseudo) sum += BigInt(w);
  for (let i = 0; i < bytes.length; i += 2) {
    sum += i + 1 < bytes.length ? BigInt(dv.getUint16(i)) : BigInt(dv.getUint8(i) * 256);
  }
  while (sum >> 16n) sum = (sum & 0xffffn) + (sum >> 16n);
  return sum === 0xffffn;
}

const ETH = 14;
const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const ipPseudo = (f: Uint8Array, ip: number, proto: number, len: number) => [
  u16(f, ip + 12),
  u16(f, ip + 14),
  u16(f, ip + 16),
  u16(f, ip + 18),
  proto,
  len,
];

describe("buildFrame", () => {
  test("defaults: UDP 10.0.0.1:1234 -> 10.0.0.2:5678, TTL 64, IP ID 0, 52:54:00 MACs", () => {
    const f = buildFrame();
    expect(f.length).toBe(ETH + 20 + 8);
    expect([...f.subarray(0, 12)]).toEqual([0x52, 0x54, 0, 0, 0, 2, 0x52, 0x54, 0, 0, 0, 1]);
    expect(u16(f, 12)).toBe(0x0800);
    expect(f[ETH]).toBe(0x45);
    expect(u16(f, ETH + 2)).toBe(28);
    expect(u16(f, ETH + 4)).toBe(0);
    expect(f[ETH + 8]).toBe(64);
    expect(f[ETH + 9]).toBe(17);
    expect([...f.subarray(ETH + 12, ETH + 20)]).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
    expect(u16(f, ETH + 20)).toBe(1234);
    expect(u16(f, ETH + 22)).toBe(5678);
    expect(u16(f, ETH + 24)).toBe(8);
    expect(verifies(f.subarray(ETH, ETH + 20))).toBe(true);
    expect(verifies(f.subarray(ETH + 20), ipPseudo(f, ETH, 17, 8))).toBe(true);
  });

  test("TCP with options, payload and explicit fields", () => {
    const opts = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 3, 3); // MSS 1460, NOP, wscale 3 (7 bytes: padded)
    const f = buildFrame({
      proto: "tcp",
      seq: 0xfffffff0,
      ack: 7,
      tcpOptions: opts,
      payload: "hello",
      window: 512,
    });
    const ip = ETH;
    const tcp = ip + 20;
    expect(f[ip + 9]).toBe(6);
    expect(u16(f, ip + 2)).toBe(20 + 28 + 5);
    expect(f[tcp + 12]! >> 4).toBe(7);
    expect(f[tcp + 13]).toBe(TcpFlag.ACK | TcpFlag.PSH);
    expect(u16(f, tcp + 14)).toBe(512);
    expect(new DataView(f.buffer).getUint32(tcp + 4)).toBe(0xfffffff0);
    expect(new DataView(f.buffer).getUint32(tcp + 8)).toBe(7);
    expect([...f.subarray(tcp + 20, tcp + 28)]).toEqual([2, 4, 5, 0xb4, 1, 3, 3, 0]);
    expect(new TextDecoder().decode(f.subarray(tcp + 28))).toBe("hello");
    expect(verifies(f.subarray(ip, ip + 20))).toBe(true);
    expect(verifies(f.subarray(tcp), ipPseudo(f, ip, 6, 33))).toBe(true);
  });

  test("TCP without payload defaults to a pure ACK; explicit SYN honoured", () => {
    expect(buildFrame({ proto: "tcp" })[ETH + 33]).toBe(TcpFlag.ACK);
    expect(buildFrame({ proto: "tcp", flags: TcpFlag.SYN })[ETH + 33]).toBe(TcpFlag.SYN);
  });

  test("ICMP echo with odd payload length has a valid checksum", () => {
    const f = buildFrame({ proto: "icmp", payload: "abc", sport: 0x1234, dport: 9 });
    expect(f[ETH + 9]).toBe(1);
    expect(f[ETH + 20]).toBe(8);
    expect(u16(f, ETH + 24)).toBe(0x1234);
    expect(u16(f, ETH + 26)).toBe(9);
    expect(verifies(f.subarray(ETH + 20))).toBe(true);
  });

  test("UDP checksums are valid for many random payloads (odd and even lengths)", () => {
    let s = 12345;
    for (let n = 0; n < 300; n++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const payload = Uint8Array.from({ length: n % 97 }, (_, i) => (s >>> (i % 24)) & 0xff);
      const f = buildFrame({ payload, src: s, dst: ~s >>> 0, sport: s & 0xffff, dport: n, ipId: n });
      expect(verifies(f.subarray(ETH, ETH + 20))).toBe(true);
      expect(verifies(f.subarray(ETH + 20), ipPseudo(f, ETH, 17, 8 + payload.length))).toBe(true);
      expect(u16(f, ETH + 26)).not.toBe(0);
    }
  });

  test("IP fields: tos, ttl, id, DF, MF, fragment offset, IP options", () => {
    const f = buildFrame({ tos: 0x10, ttl: 3, ipId: 0xbeef, df: true, ipOptions: Uint8Array.of(1) });
    expect(f[ETH]).toBe(0x46);
    expect(f[ETH + 1]).toBe(0x10);
    expect(f[ETH + 8]).toBe(3);
    expect(u16(f, ETH + 4)).toBe(0xbeef);
    expect(u16(f, ETH + 6)).toBe(0x4000);
    expect(verifies(f.subarray(ETH, ETH + 24))).toBe(true);
    const g = buildFrame({ proto: "tcp", fragOffset: 185, moreFragments: true, payload: "xyz" });
    expect(u16(g, ETH + 6)).toBe(0x2000 | 185);
    expect(g.length).toBe(ETH + 20 + 3); // no L4 header in a non-first fragment
  });

  test("a numeric proto carries the payload as the whole IP payload", () => {
    const f = buildFrame({ proto: 47, payload: Uint8Array.of(0, 0, 8, 0) });
    expect(f[ETH + 9]).toBe(47);
    expect([...f.subarray(ETH + 20)]).toEqual([0, 0, 8, 0]);
  });

  test("padTo pads after the datagram; VLAN tag; vnet header prefix", () => {
    const f = buildFrame({ padTo: 60, vlan: 100, vnetHdrLen: 12, vnetHdr: Uint8Array.of(1, 2, 3) });
    expect(f.length).toBe(72);
    expect([...f.subarray(0, 12)]).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(u16(f, 12 + 12)).toBe(0x8100);
    expect(u16(f, 12 + 14)).toBe(100);
    expect(u16(f, 12 + 16)).toBe(0x0800);
    expect(u16(f, 12 + 18 + 2)).toBe(28);
    expect(f.subarray(12 + 18 + 28).every((b) => b === 0)).toBe(true);
    expect(buildFrame({ padTo: 10 }).length).toBe(42); // never truncates
    expect(buildFrame({ vnetHdr: Uint8Array.of(9, 9) }).subarray(0, 2)).toEqual(Uint8Array.of(9, 9));
  });

  test("bad spec values throw FrameSpecError with a stable code", () => {
    for (const bad of [
      { src: "10.0.0" },
      { src: "10.0.0.256" },
      { sport: 65536 },
      { srcMac: "zz" },
      { vlan: 5000 },
    ]) {
      expect(() => buildFrame(bad)).toThrow(FrameSpecError);
    }
    const err = (() => {
      try {
        buildFrame({ ttl: -1 });
      } catch (e) {
        return e as FrameSpecError;
      }
    })();
    expect(err?.code).toBe("ERR_PACKET_FRAME_SPEC");
    expect(err?.name).toBe("FrameSpecError");
    expect(err?.message).toContain("ttl");
  });
});

describe("other builders", () => {
  test("buildArp: broadcast request, fields in place", () => {
    const f = buildArp({ senderIp: "192.168.1.1", targetIp: "192.168.1.2", padTo: 60 });
    expect(f.length).toBe(60);
    expect([...f.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    expect(u16(f, 12)).toBe(0x0806);
    expect(u16(f, 14 + 6)).toBe(1);
    expect([...f.subarray(14 + 14, 14 + 18)]).toEqual([192, 168, 1, 1]);
    expect([...f.subarray(14 + 24, 14 + 28)]).toEqual([192, 168, 1, 2]);
  });

  test("buildIpv6Udp: header fields and a valid UDP checksum", () => {
    const f = buildIpv6Udp({ src: "fd00::1", dst: "2001:db8:0:0:0:0:0:9", payload: "v6!" });
    expect(u16(f, 12)).toBe(0x86dd);
    expect(f[14]).toBe(0x60);
    expect(u16(f, 14 + 4)).toBe(11);
    expect(f[14 + 6]).toBe(17);
    expect([...f.subarray(14 + 8, 14 + 10)]).toEqual([0xfd, 0]);
    expect(f[14 + 23]).toBe(1);
    expect(f[14 + 39]).toBe(9);
    const words: number[] = [];
    for (let i = 14 + 8; i < 14 + 40; i += 2) words.push(u16(f, i));
    expect(verifies(f.subarray(54), [...words, 17, 11])).toBe(true);
  });

  test("buildRaw: arbitrary ethertype", () => {
    const f = buildRaw(0x88b5, "xy", { vlan: 7 });
    expect(u16(f, 12)).toBe(0x8100);
    expect(u16(f, 16)).toBe(0x88b5);
    expect([...f.subarray(18)]).toEqual([0x78, 0x79]);
  });
});

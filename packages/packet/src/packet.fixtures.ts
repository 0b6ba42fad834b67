// Fixture frames shared by the parser tests and the tshark cross-check: hand-written byte arrays (a
// comment per field, checksums computed offline) and frames from the builder. `expect` lists the
// fields the parser must produce; unspecified fields are checked by the generic invariants only.
import { buildArp, buildFrame, buildIpv6Udp, buildRaw } from "./build.js";
import { FrameClass, FrameIssue, type PacketInfo, TcpFlag } from "./types.js";

/** One fixture: a frame, its vnet header length, and the record fields the parser must produce. */
export interface Fixture {
  name: string;
  frame: Uint8Array;
  vnetHdrLen: number;
  expect: Partial<PacketInfo>;
}

// biome-ignore format: one field per line
const HAND_TCP_SYN = Uint8Array.of(
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, // Ethernet destination MAC
  0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, // Ethernet source MAC
  0x08, 0x00,                         // ethertype IPv4
  0x45,                               // IP version 4, IHL 5
  0x00,                               // TOS
  0x00, 0x3c,                         // total length 60
  0x1c, 0x46,                         // identification
  0x40, 0x00,                         // flags DF, fragment offset 0
  0x40,                               // TTL 64
  0x06,                               // protocol TCP
  0x9b, 0x22,                         // header checksum
  0xc0, 0xa8, 0x01, 0x02,             // source 192.168.1.2
  0xc0, 0xa8, 0x01, 0x01,             // destination 192.168.1.1
  0xa3, 0x7e,                         // source port 41854
  0x00, 0x50,                         // destination port 80
  0x12, 0x34, 0x56, 0x78,             // sequence number
  0x00, 0x00, 0x00, 0x00,             // acknowledgement number
  0xa0,                               // data offset 10 words (40 bytes)
  0x02,                               // flags SYN
  0xfa, 0xf0,                         // window 64240
  0xbb, 0x3c,                         // checksum
  0x00, 0x00,                         // urgent pointer
  0x02, 0x04, 0x05, 0xb4,             // option MSS 1460
  0x04, 0x02,                         // option SACK permitted
  0x08, 0x0a, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, // option timestamps
  0x01,                               // option NOP
  0x03, 0x03, 0x07,                   // option window scale 7
);

// biome-ignore format: one field per line
const HAND_UDP_PADDED = Uint8Array.of(
  0x52, 0x54, 0x00, 0x00, 0x00, 0x02, // Ethernet destination MAC
  0x52, 0x54, 0x00, 0x00, 0x00, 0x01, // Ethernet source MAC
  0x08, 0x00,                         // ethertype IPv4
  0x45, 0x00,                         // version 4, IHL 5, TOS 0
  0x00, 0x28,                         // total length 40
  0x00, 0x01,                         // identification
  0x00, 0x00,                         // no flags, fragment offset 0
  0x40, 0x11,                         // TTL 64, protocol UDP
  0x62, 0xb3,                         // header checksum
  0x0a, 0x00, 0x02, 0x0f,             // source 10.0.2.15
  0x0a, 0x00, 0x02, 0x03,             // destination 10.0.2.3
  0xc0, 0x01,                         // source port 49153
  0x00, 0x35,                         // destination port 53
  0x00, 0x14,                         // UDP length 20
  0x7a, 0xaf,                         // UDP checksum
  0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // DNS header (12 bytes)
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // Ethernet padding to 60 bytes: not payload
);

// biome-ignore format: one field per line
const HAND_ICMP_PADDED = Uint8Array.of(
  0x52, 0x54, 0x00, 0x00, 0x00, 0x02, // Ethernet destination MAC
  0x52, 0x54, 0x00, 0x00, 0x00, 0x01, // Ethernet source MAC
  0x08, 0x00,                         // ethertype IPv4
  0x45, 0x00,                         // version 4, IHL 5, TOS 0
  0x00, 0x20,                         // total length 32
  0x00, 0x02,                         // identification
  0x00, 0x00,                         // no flags, fragment offset 0
  0x80, 0x01,                         // TTL 128, protocol ICMP
  0x26, 0xd2,                         // header checksum
  0x0a, 0x00, 0x00, 0x09,             // source 10.0.0.9
  0x0a, 0x00, 0x00, 0x01,             // destination 10.0.0.1
  0x00, 0x00,                         // type 0 (echo reply), code 0
  0x21, 0x27,                         // ICMP checksum
  0x00, 0x01, 0x00, 0x07,             // identifier 1, sequence 7
  0x70, 0x69, 0x6e, 0x67,             // data "ping"
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // Ethernet padding to 60 bytes
);

/** Returns a copy of `f` with byte `i` set to `v` (for malformed variants of a valid frame). */
function poke(f: Uint8Array, ...pairs: [number, number][]): Uint8Array {
  const g = f.slice();
  for (const [i, v] of pairs) g[i] = v;
  return g;
}

const tcpOpts = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 1, 4, 2); // MSS, NOP, NOP, SACK permitted
const tcpData = buildFrame({
  proto: "tcp",
  src: "10.1.1.1",
  dst: "10.2.2.2",
  sport: 40000,
  dport: 443,
  seq: 0xfffffffe,
  ack: 0x80000001,
  tcpOptions: tcpOpts,
  payload: "GET / HTTP/1.1\r\n\r\n",
});
const udp = buildFrame({ payload: "hello, udp" });
const ETH = 14;

/** Valid frames of every class the parser distinguishes (tshark must agree on all of them). */
export const validFixtures: Fixture[] = [
  {
    name: "hand TCP SYN with options",
    frame: HAND_TCP_SYN,
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Tcp,
      srcAddr: 0xc0a80102,
      dstAddr: 0xc0a80101,
      srcPort: 41854,
      dstPort: 80,
      tcpSeq: 0x12345678,
      tcpAck: 0,
      tcpFlags: TcpFlag.SYN,
      tcpHeaderLen: 40,
      ipFragWord: 0x4000,
      l4Offset: 34,
      cmpStart: 74,
      cmpEnd: 74,
    },
  },
  {
    name: "hand UDP padded to 60",
    frame: HAND_UDP_PADDED,
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Udp,
      ipProto: 17,
      srcAddr: 0x0a00020f,
      dstAddr: 0x0a000203,
      srcPort: 49153,
      dstPort: 53,
      ipTotalLen: 40,
      l4Offset: 34,
      cmpStart: 34,
      cmpEnd: 54,
    },
  },
  {
    name: "hand ICMP echo reply padded to 60",
    frame: HAND_ICMP_PADDED,
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Icmp,
      ipProto: 1,
      srcPort: 0,
      dstPort: 0,
      l4Offset: 34,
      cmpStart: 34,
      cmpEnd: 46,
    },
  },
  {
    name: "TCP data with options at the seq wrap",
    frame: tcpData,
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Tcp,
      srcPort: 40000,
      dstPort: 443,
      tcpSeq: 0xfffffffe,
      tcpAck: 0x80000001,
      tcpHeaderLen: 28,
      tcpFlags: TcpFlag.ACK | TcpFlag.PSH,
      cmpStart: ETH + 20 + 28,
      cmpEnd: tcpData.length,
    },
  },
  {
    name: "TCP pure ACK padded to 60",
    frame: buildFrame({ proto: "tcp", seq: 5, ack: 9, padTo: 60 }),
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Tcp,
      tcpFlags: TcpFlag.ACK,
      ipTotalLen: 40,
      cmpStart: 54,
      cmpEnd: 54,
      frameLen: 60,
    },
  },
  {
    name: "UDP built",
    frame: udp,
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Udp,
      srcAddr: 0x0a000001,
      dstAddr: 0x0a000002,
      srcPort: 1234,
      dstPort: 5678,
      cmpStart: 34,
      cmpEnd: udp.length,
    },
  },
  {
    name: "UDP with IP options (IHL 6)",
    frame: buildFrame({ ipOptions: Uint8Array.of(0x94, 4, 0, 0), payload: "o" }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Udp, ipHeaderLen: 24, l4Offset: 38, cmpStart: 38, cmpEnd: 38 + 9 },
  },
  {
    name: "ICMP echo request built",
    frame: buildFrame({ proto: "icmp", payload: "abcdefgh", padTo: 60 }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Icmp, cmpStart: 34, cmpEnd: 34 + 16 },
  },
  {
    name: "GRE (other protocol)",
    frame: buildFrame({ proto: 47, payload: Uint8Array.of(0, 0, 0x88, 0xb5, 1, 2, 3, 4) }),
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Other,
      ipProto: 47,
      srcPort: 0,
      dstPort: 0,
      l4Offset: 34,
      cmpStart: 34,
      cmpEnd: 42,
    },
  },
  {
    name: "first fragment of UDP (MF)",
    frame: buildFrame({ moreFragments: true, ipId: 77, payload: "frag0" }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Udp, ipFragWord: 0x2000, srcPort: 1234, cmpStart: 34, cmpEnd: 47 },
  },
  {
    name: "non-first fragment of UDP",
    frame: buildFrame({ fragOffset: 2, ipId: 77, payload: "tail" }),
    vnetHdrLen: 0,
    expect: {
      cls: FrameClass.Other,
      ipProto: 17,
      ipFragWord: 2,
      l4Offset: -1,
      srcPort: 0,
      dstPort: 0,
      cmpStart: 34,
      cmpEnd: 38,
    },
  },
];

/** Frames the comparator must pass through unparsed (SPEC 4). */
export const unsupportedFixtures: Fixture[] = [
  {
    name: "ARP request",
    frame: buildArp({ padTo: 60 }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.NotIpv4, etherType: 0x0806, l3Offset: -1 },
  },
  {
    name: "IPv6 UDP",
    frame: buildIpv6Udp({ payload: "six" }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.NotIpv4, etherType: 0x86dd },
  },
  {
    name: "802.1Q tagged UDP",
    frame: buildFrame({ vlan: 42, payload: "tagged" }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.Vlan, vlan: true, etherType: 0x0800 },
  },
  {
    name: "802.1ad + 802.1Q (QinQ)",
    frame: buildRaw(0x88a8, Uint8Array.of(0, 5, 0x81, 0, 0, 6, 0x08, 0x00, 0x45)),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.Vlan, vlan: true, etherType: 0x0800 },
  },
  {
    name: "unknown ethertype",
    frame: buildRaw(0x88b5, "local experimental", { padTo: 60 }),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.NotIpv4, etherType: 0x88b5 },
  },
];

const tcp = buildFrame({ proto: "tcp", payload: "abcd" }); // 14 + 20 + 20 + 4 = 58 bytes
const icmp = buildFrame({ proto: "icmp" }); // 14 + 20 + 8 = 42 bytes
const malformed = (issue: FrameIssue, more: Partial<PacketInfo> = {}) => ({
  cls: FrameClass.Malformed,
  issue,
  l4Offset: -1,
  srcPort: 0,
  dstPort: 0,
  cmpStart: 0,
  ...more,
});

/** Runts and bad IPv4 headers: Unsupported or Malformed, never a throw. */
export const badFixtures: Fixture[] = [
  {
    name: "empty frame",
    frame: new Uint8Array(0),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.Runt, l2Offset: -1, etherType: 0 },
  },
  {
    name: "13-byte runt",
    frame: tcp.subarray(0, 13),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.Runt, cmpStart: 0, cmpEnd: 0 },
  },
  {
    name: "VLAN tag cut short",
    frame: buildRaw(0x8100, Uint8Array.of(0)),
    vnetHdrLen: 0,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.Vlan, etherType: 0 },
  },
  {
    name: "Ethernet header only",
    frame: tcp.subarray(0, 14),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.TruncatedIpHeader, { ipProto: 0, srcAddr: 0, dstAddr: 0, cmpEnd: 14 }),
  },
  {
    name: "IPv4 header cut at 19 bytes",
    frame: tcp.subarray(0, 33),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.TruncatedIpHeader, { ipProto: 0, srcAddr: 0, cmpEnd: 33 }),
  },
  {
    name: "version nibble 6 under ethertype IPv4",
    frame: poke(tcp, [ETH, 0x65]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.TruncatedIpHeader, { ipProto: 6, srcAddr: 0x0a000001 }),
  },
  {
    name: "IHL 4",
    frame: poke(tcp, [ETH, 0x44]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadIhl, {
      ipProto: 6,
      srcAddr: 0x0a000001,
      dstAddr: 0x0a000002,
      cmpEnd: 58,
    }),
  },
  { name: "IHL 0", frame: poke(tcp, [ETH, 0x40]), vnetHdrLen: 0, expect: malformed(FrameIssue.BadIhl) },
  {
    name: "total length beyond the frame",
    frame: poke(tcp, [ETH + 2, 0], [ETH + 3, 45]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadTotalLength, { ipTotalLen: 45, ipProto: 6 }),
  },
  {
    name: "total length below IHL*4",
    frame: poke(tcp, [ETH + 2, 0], [ETH + 3, 19]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadTotalLength),
  },
  {
    name: "IHL 15 beyond the frame",
    frame: poke(udp, [ETH, 0x4f]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadTotalLength),
  },
  {
    name: "TCP header truncated by the frame end",
    frame: tcp.subarray(0, 44),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadTotalLength),
  },
  {
    name: "TCP header truncated by the IP total length",
    frame: poke(tcp, [ETH + 3, 30]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.TruncatedL4Header, { ipProto: 6, cmpEnd: 58 }),
  },
  {
    name: "UDP header truncated by the IP total length",
    frame: poke(udp, [ETH + 3, 27]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.TruncatedL4Header, { ipProto: 17 }),
  },
  {
    name: "ICMP header truncated by the IP total length",
    frame: poke(icmp, [ETH + 3, 24]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.TruncatedL4Header, { ipProto: 1 }),
  },
  {
    name: "TCP data offset 4",
    frame: poke(tcp, [ETH + 32, 0x40]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadTcpDataOffset, { tcpHeaderLen: 0, tcpSeq: 0 }),
  },
  {
    name: "TCP data offset beyond the IP payload",
    frame: poke(tcp, [ETH + 32, 0x70]),
    vnetHdrLen: 0,
    expect: malformed(FrameIssue.BadTcpDataOffset),
  },
];

const vnetTcp = (n: number, v = n) => {
  const f = buildFrame({ proto: "tcp", seq: 100, payload: "vnet", vnetHdrLen: n, padTo: 60 });
  return { name: `vnet header ${n} bytes, parsed as ${v}`, frame: f, vnetHdrLen: v };
};

/** One TCP frame behind virtio-net headers of 0, 10, 12, 20 and 24 bytes (24 > 20: unsupported). */
export const vnetFixtures: Fixture[] = [
  ...[0, 10, 12, 20].map((n) => ({
    ...vnetTcp(n),
    expect: {
      cls: FrameClass.Tcp,
      l2Offset: n,
      l3Offset: n + 14,
      tcpSeq: 100,
      cmpStart: n + 54,
      cmpEnd: n + 58,
      frameLen: n + 60,
    },
  })),
  {
    ...vnetTcp(24),
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.VnetHeaderTooLong, l2Offset: -1 },
  },
  { ...vnetTcp(12, 70), expect: { cls: FrameClass.Unsupported, issue: FrameIssue.VnetHeaderTooLong } },
  { ...vnetTcp(10, -1), expect: { cls: FrameClass.Unsupported, issue: FrameIssue.VnetHeaderTooLong } },
  { ...vnetTcp(10, 1.5), expect: { cls: FrameClass.Unsupported, issue: FrameIssue.VnetHeaderTooLong } },
  {
    name: "vnet 12 + 13 bytes: runt",
    frame: new Uint8Array(25),
    vnetHdrLen: 12,
    expect: { cls: FrameClass.Unsupported, issue: FrameIssue.Runt },
  },
];

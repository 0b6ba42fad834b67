import { EtherType } from "./ether.js";
import { FrameClass, FrameIssue, MAX_VNET_HDR_LEN, type PacketInfo } from "./types.js";

/**
 * Parsing is split by layer (L2 -> IPv4 -> L4) so that IPv6 can slot in later as a sibling of
 * `parseIpv4` dispatched on the ethertype, with the L4 parsers shared. Every read is guarded by an
 * explicit length check against `frame.length`: nothing here can throw or read past the frame.
 */

const ETH_HDR_LEN = 14;
const IPV4_MIN_HDR_LEN = 20;
const TCP_MIN_HDR_LEN = 20;
const UDP_HDR_LEN = 8;
/** Type, code, checksum and the 4-byte rest-of-header every ICMP message carries. */
const ICMP_HDR_LEN = 8;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
/** Fragment offset bits of the IPv4 flags/fragment word. */
const IP_FRAG_OFFSET_MASK = 0x1fff;

/** Creates a blank record for `parse` to fill; create one per consumer and reuse it for every frame. */
export function newPacketInfo(): PacketInfo {
  // A literal with every field keeps them all in-object (one hidden class, no out-of-object store).
  return {
    cls: FrameClass.Unsupported,
    issue: FrameIssue.None,
    frameLen: 0,
    vnetHdrLen: 0,
    l2Offset: -1,
    etherType: 0,
    vlan: false,
    ipVersion: 0,
    l3Offset: -1,
    ipHeaderLen: 0,
    ipTotalLen: 0,
    ipFragWord: 0,
    ipProto: 0,
    srcAddr: 0,
    dstAddr: 0,
    l4Offset: -1,
    srcPort: 0,
    dstPort: 0,
    tcpSeq: 0,
    tcpAck: 0,
    tcpFlags: 0,
    tcpHeaderLen: 0,
    cmpStart: 0,
    cmpEnd: 0,
  };
}

function reset(out: PacketInfo, frameLen: number, vnetHdrLen: number): void {
  out.cls = FrameClass.Unsupported;
  out.issue = FrameIssue.None;
  out.frameLen = frameLen;
  out.vnetHdrLen = vnetHdrLen;
  out.l2Offset = -1;
  out.etherType = 0;
  out.vlan = false;
  out.ipVersion = 0;
  out.l3Offset = -1;
  out.ipHeaderLen = 0;
  out.ipTotalLen = 0;
  out.ipFragWord = 0;
  out.ipProto = 0;
  out.srcAddr = 0;
  out.dstAddr = 0;
  out.l4Offset = -1;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpSeq = 0;
  out.tcpAck = 0;
  out.tcpFlags = 0;
  out.tcpHeaderLen = 0;
  out.cmpStart = 0;
  out.cmpEnd = 0;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function unsupported(out: PacketInfo, issue: FrameIssue): PacketInfo {
  out.cls = FrameClass.Unsupported;
  out.issue = issue;
  return out;
}

/** Malformed frames are compared opaquely from the Ethernet header on and keyed without ports. */
function malformed(out: PacketInfo, issue: FrameIssue): PacketInfo {
  out.cls = FrameClass.Malformed;
  out.issue = issue;
  out.l4Offset = -1;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpSeq = 0;
  out.tcpAck = 0;
  out.tcpFlags = 0;
  out.tcpHeaderLen = 0;
  out.cmpStart = out.l2Offset;
  out.cmpEnd = out.frameLen;
  return out;
}

/** Classifies a datagram whose L4 bytes [l4, end) are compared as a whole (UDP, ICMP, other, fragments). */
function opaqueL4(out: PacketInfo, cls: FrameClass, l4: number, end: number): PacketInfo {
  out.cls = cls;
  out.cmpStart = l4;
  out.cmpEnd = end;
  return out;
}

function parseTcp(frame: Uint8Array, out: PacketInfo, l4: number, end: number): PacketInfo {
  if (end - l4 < TCP_MIN_HDR_LEN) return malformed(out, FrameIssue.TruncatedL4Header);
  const hl = (frame[l4 + 12]! >> 4) * 4;
  if (hl < TCP_MIN_HDR_LEN || hl > end - l4) return malformed(out, FrameIssue.BadTcpDataOffset);
  out.cls = FrameClass.Tcp;
  out.l4Offset = l4;
  out.srcPort = u16(frame, l4);
  out.dstPort = u16(frame, l4 + 2);
  out.tcpSeq = u32(frame, l4 + 4);
  out.tcpAck = u32(frame, l4 + 8);
  out.tcpFlags = frame[l4 + 13]!;
  out.tcpHeaderLen = hl;
  out.cmpStart = l4 + hl;
  out.cmpEnd = end;
  return out;
}

function parseUdp(frame: Uint8Array, out: PacketInfo, l4: number, end: number): PacketInfo {
  if (end - l4 < UDP_HDR_LEN) return malformed(out, FrameIssue.TruncatedL4Header);
  out.l4Offset = l4;
  out.srcPort = u16(frame, l4);
  out.dstPort = u16(frame, l4 + 2);
  return opaqueL4(out, FrameClass.Udp, l4, end);
}

function parseL4(frame: Uint8Array, out: PacketInfo, l4: number, end: number): PacketInfo {
  // A non-first fragment carries no L4 header: compare its IP payload opaquely, keyed without ports,
  // until reassembly exists. (A first fragment parses normally; its payload is what it carries.)
  if ((out.ipFragWord & IP_FRAG_OFFSET_MASK) !== 0) return opaqueL4(out, FrameClass.Other, l4, end);
  switch (out.ipProto) {
    case IPPROTO_TCP:
      return parseTcp(frame, out, l4, end);
    case IPPROTO_UDP:
      return parseUdp(frame, out, l4, end);
    case IPPROTO_ICMP:
      if (end - l4 < ICMP_HDR_LEN) return malformed(out, FrameIssue.TruncatedL4Header);
      out.l4Offset = l4;
      return opaqueL4(out, FrameClass.Icmp, l4, end);
    default:
      out.l4Offset = l4;
      return opaqueL4(out, FrameClass.Other, l4, end);
  }
}

function parseIpv4(frame: Uint8Array, out: PacketInfo, l3: number): PacketInfo {
  out.ipVersion = 4;
  out.l3Offset = l3;
  const avail = frame.length - l3;
  if (avail < IPV4_MIN_HDR_LEN) return malformed(out, FrameIssue.TruncatedIpHeader);
  // Protocol and addresses are filled even for a bad header, so conntrack can key it (proto, src, dst, 0, 0).
  const vihl = frame[l3]!;
  const hl = (vihl & 0x0f) * 4;
  const total = u16(frame, l3 + 2);
  out.ipHeaderLen = hl;
  out.ipTotalLen = total;
  out.ipFragWord = u16(frame, l3 + 6);
  out.ipProto = frame[l3 + 9]!;
  out.srcAddr = u32(frame, l3 + 12);
  out.dstAddr = u32(frame, l3 + 16);
  if (vihl >> 4 !== 4) return malformed(out, FrameIssue.TruncatedIpHeader);
  if (hl < IPV4_MIN_HDR_LEN) return malformed(out, FrameIssue.BadIhl);
  if (total < hl || total > avail) return malformed(out, FrameIssue.BadTotalLength);
  return parseL4(frame, out, l3 + hl, l3 + total);
}

/**
 * Parses one frame (`vnetHdrLen` bytes of virtio-net header, then Ethernet) into `out`, in place, and
 * returns `out`. Never throws and never reads outside `frame`, whatever the input; classification and
 * the compared region follow SPEC 4/5 (see PacketInfo).
 * @example const info = parse(frame, 0, newPacketInfo()); if (info.cls === FrameClass.Tcp) use(info.tcpSeq);
 */
export function parse(frame: Uint8Array, vnetHdrLen: number, out: PacketInfo): PacketInfo {
  const len = frame.length;
  reset(out, len, vnetHdrLen);
  if (!(vnetHdrLen >= 0 && vnetHdrLen <= MAX_VNET_HDR_LEN) || (vnetHdrLen | 0) !== vnetHdrLen) {
    return unsupported(out, FrameIssue.VnetHeaderTooLong);
  }
  if (len < vnetHdrLen + ETH_HDR_LEN) return unsupported(out, FrameIssue.Runt);
  out.l2Offset = vnetHdrLen;
  let o = vnetHdrLen + 12;
  let type = u16(frame, o);
  while (type === EtherType.VLAN || type === EtherType.QinQ) {
    out.vlan = true;
    o += 4;
    type = o + 2 <= len ? u16(frame, o) : 0;
  }
  out.etherType = type;
  if (out.vlan) return unsupported(out, FrameIssue.Vlan);
  if (type !== EtherType.IPv4) return unsupported(out, FrameIssue.NotIpv4);
  return parseIpv4(frame, out, o + 2);
}

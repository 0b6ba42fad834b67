import { ipv4ToNumber, parseIpv6, parseMac } from "./addr.js";
import { foldChecksum, internetChecksum, onesSum } from "./checksum.js";
import { FrameSpecError } from "./errors.js";
import { checkInt, type EtherSpec, EtherType, wrapEther } from "./ether.js";
import { TcpFlag } from "./types.js";

/**
 * What `buildFrame` puts in an IPv4 frame. Every field is optional; defaults give a valid UDP frame
 * 10.0.0.1:1234 -> 10.0.0.2:5678 with TTL 64, IP ID 0 and correct checksums.
 */
export interface FrameSpec extends EtherSpec {
  /** L4 protocol; a number builds no L4 header (the payload is the whole IP payload). Default "udp". */
  proto?: "tcp" | "udp" | "icmp" | number;
  /** IPv4 source and destination (dotted text, or an unsigned 32-bit number). */
  src?: string | number;
  dst?: string | number;
  /** TCP/UDP ports; for ICMP the echo identifier is `sport`, the echo sequence `dport`. */
  sport?: number;
  dport?: number;
  /** TCP sequence and acknowledgement numbers (unsigned 32-bit). */
  seq?: number;
  ack?: number;
  /** TCP flag bits (TcpFlag); default ACK|PSH with payload, ACK without. */
  flags?: number;
  /** TCP window; default 64240. */
  window?: number;
  /** TCP options, zero-padded to a multiple of 4 bytes. */
  tcpOptions?: Uint8Array;
  /** ICMP type and code; default 8/0 (echo request). */
  icmpType?: number;
  icmpCode?: number;
  /** L4 payload (a string is UTF-8 encoded). */
  payload?: Uint8Array | string;
  /** IPv4 options, zero-padded to a multiple of 4 bytes (raises IHL). */
  ipOptions?: Uint8Array;
  ipId?: number;
  ttl?: number;
  tos?: number;
  /** Don't-fragment flag. */
  df?: boolean;
  /**
   * Fragment offset in 8-byte units, as in the header field. A non-zero offset builds no L4 header:
   * `payload` is written directly after the IP header, as a non-first fragment carries it.
   */
  fragOffset?: number;
  moreFragments?: boolean;
}

const IPPROTO = { icmp: 1, tcp: 6, udp: 17 } as const;
const DEFAULT_TCP_WINDOW = 64240;
const encoder = new TextEncoder();

function bytesOf(payload: Uint8Array | string | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  return typeof payload === "string" ? encoder.encode(payload) : payload;
}

function pad4(b: Uint8Array | undefined): Uint8Array {
  if (!b || b.length === 0) return new Uint8Array(0);
  const out = new Uint8Array((b.length + 3) & ~3);
  out.set(b);
  return out;
}

function addrOf(name: string, v: string | number | undefined, dflt: string): number {
  if (typeof v === "number") return checkInt(name, v, 0xffffffff);
  return ipv4ToNumber(v ?? dflt);
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  put16(b, o, v >>> 16);
  put16(b, o + 2, v & 0xffff);
}

/** Sum of the IPv4 pseudo-header (addresses, protocol, L4 length) for TCP/UDP checksums. */
function pseudoSum(src: number, dst: number, proto: number, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
}

function buildTcp(spec: FrameSpec, payload: Uint8Array): Uint8Array {
  const opts = pad4(spec.tcpOptions);
  if (opts.length > 40) throw new FrameSpecError(`tcpOptions of ${opts.length} bytes exceed TCP's 40`);
  const hl = 20 + opts.length;
  const seg = new Uint8Array(hl + payload.length);
  put16(seg, 0, checkInt("sport", spec.sport ?? 1234, 0xffff));
  put16(seg, 2, checkInt("dport", spec.dport ?? 5678, 0xffff));
  put32(seg, 4, checkInt("seq", spec.seq ?? 0, 0xffffffff));
  put32(seg, 8, checkInt("ack", spec.ack ?? 0, 0xffffffff));
  const dflt = payload.length > 0 ? TcpFlag.ACK | TcpFlag.PSH : TcpFlag.ACK;
  seg[12] = (hl / 4) << 4;
  seg[13] = checkInt("flags", spec.flags ?? dflt, 0xff);
  put16(seg, 14, checkInt("window", spec.window ?? DEFAULT_TCP_WINDOW, 0xffff));
  seg.set(opts, 20);
  seg.set(payload, hl);
  return seg;
}

function buildUdp(spec: FrameSpec, payload: Uint8Array): Uint8Array {
  const seg = new Uint8Array(8 + payload.length);
  put16(seg, 0, checkInt("sport", spec.sport ?? 1234, 0xffff));
  put16(seg, 2, checkInt("dport", spec.dport ?? 5678, 0xffff));
  put16(seg, 4, checkInt("UDP length", seg.length, 0xffff));
  seg.set(payload, 8);
  return seg;
}

function buildIcmp(spec: FrameSpec, payload: Uint8Array): Uint8Array {
  const seg = new Uint8Array(8 + payload.length);
  seg[0] = checkInt("icmpType", spec.icmpType ?? 8, 0xff);
  seg[1] = checkInt("icmpCode", spec.icmpCode ?? 0, 0xff);
  put16(seg, 4, checkInt("sport", spec.sport ?? 1, 0xffff));
  put16(seg, 6, checkInt("dport", spec.dport ?? 1, 0xffff));
  seg.set(payload, 8);
  put16(seg, 2, internetChecksum(seg));
  return seg;
}

function protoNumber(proto: FrameSpec["proto"]): number {
  if (typeof proto === "number") return checkInt("proto", proto, 0xff);
  return IPPROTO[proto ?? "udp"];
}

/** Builds the L4 segment (or the raw IP payload) and fills in the TCP/UDP checksum. */
function buildL4(spec: FrameSpec, proto: number, src: number, dst: number): Uint8Array {
  const payload = bytesOf(spec.payload);
  if ((spec.fragOffset ?? 0) !== 0) return payload;
  if (proto === IPPROTO.icmp) return buildIcmp(spec, payload);
  if (proto !== IPPROTO.tcp && proto !== IPPROTO.udp) return payload;
  const seg = proto === IPPROTO.tcp ? buildTcp(spec, payload) : buildUdp(spec, payload);
  const ck = foldChecksum(onesSum(seg, 0, seg.length, pseudoSum(src, dst, proto, seg.length)));
  // UDP sends 0 as "no checksum", so a computed 0 goes out as its one's-complement twin 0xffff.
  put16(seg, proto === IPPROTO.tcp ? 16 : 6, proto === IPPROTO.udp && ck === 0 ? 0xffff : ck);
  return seg;
}

/** Builds the IPv4 header in front of `l4` and fills in the header checksum. */
function buildIpv4(spec: FrameSpec, proto: number, src: number, dst: number, l4: Uint8Array): Uint8Array {
  const opts = pad4(spec.ipOptions);
  if (opts.length > 40) throw new FrameSpecError(`ipOptions of ${opts.length} bytes exceed IPv4's 40`);
  const hl = 20 + opts.length;
  const dgram = new Uint8Array(hl + l4.length);
  dgram[0] = 0x40 | (hl / 4);
  dgram[1] = checkInt("tos", spec.tos ?? 0, 0xff);
  put16(dgram, 2, checkInt("IP total length", dgram.length, 0xffff));
  put16(dgram, 4, checkInt("ipId", spec.ipId ?? 0, 0xffff));
  const frag = checkInt("fragOffset", spec.fragOffset ?? 0, 0x1fff);
  put16(dgram, 6, (spec.df ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0) | frag);
  dgram[8] = checkInt("ttl", spec.ttl ?? 64, 0xff);
  dgram[9] = proto;
  put32(dgram, 12, src);
  put32(dgram, 16, dst);
  dgram.set(opts, 20);
  put16(dgram, 10, internetChecksum(dgram, 0, hl));
  dgram.set(l4, hl);
  return dgram;
}

/**
 * Builds a valid Ethernet/IPv4 frame with correct IPv4, TCP, UDP and ICMP checksums.
 * @example buildFrame({ proto: "tcp", seq: 1000, payload: "hello", padTo: 60 })
 */
export function buildFrame(spec: FrameSpec = {}): Uint8Array {
  const proto = protoNumber(spec.proto);
  const src = addrOf("src", spec.src, "10.0.0.1");
  const dst = addrOf("dst", spec.dst, "10.0.0.2");
  const l4 = buildL4(spec, proto, src, dst);
  return wrapEther(spec, EtherType.IPv4, buildIpv4(spec, proto, src, dst, l4));
}

/** What `buildArp` puts in an ARP frame (Ethernet/IPv4 ARP, RFC 826). */
export interface ArpSpec extends EtherSpec {
  /** 1 = request (default), 2 = reply. */
  op?: number;
  /** Sender hardware address; default the Ethernet source MAC. */
  senderMac?: string | Uint8Array;
  /** Sender and target protocol addresses; default 10.0.0.1 and 10.0.0.2. */
  senderIp?: string;
  targetIp?: string;
  /** Target hardware address; default all zeros. */
  targetMac?: string | Uint8Array;
}

/** Builds an ARP frame (broadcast destination by default). */
export function buildArp(spec: ArpSpec = {}): Uint8Array {
  const srcMac = spec.srcMac ?? "52:54:00:00:00:01";
  const body = new Uint8Array(28);
  put16(body, 0, 1); // hardware type: Ethernet
  put16(body, 2, EtherType.IPv4);
  body[4] = 6;
  body[5] = 4;
  put16(body, 6, checkInt("op", spec.op ?? 1, 0xffff));
  body.set(parseMac(spec.senderMac ?? srcMac), 8);
  put32(body, 14, ipv4ToNumber(spec.senderIp ?? "10.0.0.1"));
  body.set(parseMac(spec.targetMac ?? "00:00:00:00:00:00"), 18);
  put32(body, 24, ipv4ToNumber(spec.targetIp ?? "10.0.0.2"));
  return wrapEther({ ...spec, srcMac, dstMac: spec.dstMac ?? "ff:ff:ff:ff:ff:ff" }, EtherType.ARP, body);
}

/** What `buildIpv6Udp` puts in an IPv6/UDP frame. */
export interface Ipv6UdpSpec extends EtherSpec {
  /** IPv6 addresses as text; default fd00::1 -> fd00::2. */
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  hopLimit?: number;
  payload?: Uint8Array | string;
}

/** Builds an Ethernet/IPv6/UDP frame with a correct UDP checksum (mandatory over IPv6). */
export function buildIpv6Udp(spec: Ipv6UdpSpec = {}): Uint8Array {
  const payload = bytesOf(spec.payload);
  const udpLen = checkInt("UDP length", 8 + payload.length, 0xffff);
  const pkt = new Uint8Array(40 + udpLen);
  pkt[0] = 0x60;
  put16(pkt, 4, udpLen);
  pkt[6] = IPPROTO.udp;
  pkt[7] = checkInt("hopLimit", spec.hopLimit ?? 64, 0xff);
  pkt.set(parseIpv6(spec.src ?? "fd00::1"), 8);
  pkt.set(parseIpv6(spec.dst ?? "fd00::2"), 24);
  put16(pkt, 40, checkInt("sport", spec.sport ?? 1234, 0xffff));
  put16(pkt, 42, checkInt("dport", spec.dport ?? 5678, 0xffff));
  put16(pkt, 44, udpLen);
  pkt.set(payload, 48);
  const seed = onesSum(pkt, 8, 40, udpLen + IPPROTO.udp);
  const ck = foldChecksum(onesSum(pkt, 40, pkt.length, seed));
  put16(pkt, 46, ck === 0 ? 0xffff : ck);
  return wrapEther(spec, EtherType.IPv6, pkt);
}

/** Builds an Ethernet frame carrying `payload` under an arbitrary ethertype (no checksums). */
export function buildRaw(etherType: number, payload: Uint8Array | string, spec: EtherSpec = {}): Uint8Array {
  return wrapEther(spec, etherType, bytesOf(payload));
}

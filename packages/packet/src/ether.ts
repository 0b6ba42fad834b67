import { parseMac } from "./addr.js";
import { FrameSpecError } from "./errors.js";

/** Layer-2 options shared by every builder: MACs, an optional VLAN tag, padding and a virtio-net header. */
export interface EtherSpec {
  /** Source MAC (text or 6 bytes); default 52:54:00:00:00:01. */
  srcMac?: string | Uint8Array;
  /** Destination MAC (text or 6 bytes); default 52:54:00:00:00:02. */
  dstMac?: string | Uint8Array;
  /** 802.1Q VLAN id (0..4095): inserts a tag in front of the ethertype. */
  vlan?: number;
  /** Pads the Ethernet frame (vnet header excluded) with zeros after the L3 datagram up to this length. */
  padTo?: number;
  /** Bytes of virtio-net header to put in front of the Ethernet header (zero-filled unless `vnetHdr`). */
  vnetHdrLen?: number;
  /** virtio-net header contents; its length is used when `vnetHdrLen` is not given. */
  vnetHdr?: Uint8Array;
}

/** Ethertypes the builders and the parser name. */
export const EtherType = { IPv4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QinQ: 0x88a8, IPv6: 0x86dd } as const;

const DEFAULT_SRC_MAC = "52:54:00:00:00:01";
const DEFAULT_DST_MAC = "52:54:00:00:00:02";

/** Wraps an L3 datagram in vnet header + Ethernet header (+ VLAN tag) + zero padding. */
export function wrapEther(spec: EtherSpec, etherType: number, l3: Uint8Array): Uint8Array {
  const vnetLen = spec.vnetHdrLen ?? spec.vnetHdr?.length ?? 0;
  checkInt("vnetHdrLen", vnetLen, 0xffff);
  const tagLen = spec.vlan === undefined ? 0 : 4;
  const etherLen = Math.max(14 + tagLen + l3.length, spec.padTo ?? 0);
  const out = new Uint8Array(vnetLen + etherLen);
  if (spec.vnetHdr) out.set(spec.vnetHdr.subarray(0, vnetLen), 0);
  let o = vnetLen;
  out.set(parseMac(spec.dstMac ?? DEFAULT_DST_MAC), o);
  out.set(parseMac(spec.srcMac ?? DEFAULT_SRC_MAC), o + 6);
  o += 12;
  if (spec.vlan !== undefined) {
    checkInt("vlan", spec.vlan, 4095);
    out[o] = EtherType.VLAN >> 8;
    out[o + 1] = EtherType.VLAN & 0xff;
    out[o + 2] = spec.vlan >> 8;
    out[o + 3] = spec.vlan & 0xff;
    o += 4;
  }
  checkInt("etherType", etherType, 0xffff);
  out[o] = etherType >> 8;
  out[o + 1] = etherType & 0xff;
  out.set(l3, o + 2);
  return out;
}

/** Checks that `v` is an integer in [0, max] and returns it; names the field in the error. */
export function checkInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new FrameSpecError(`${name} ${v} is outside 0..${max}`);
  return v;
}

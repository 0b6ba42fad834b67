/**
 * The parsed-frame record: offsets and fields of one frame, filled in place by `parse()` without copying.
 * One record is reused for every frame on the hot path; the comparator copies out what it keeps.
 * All offsets are absolute byte offsets into the frame buffer given to `parse()` (vnet header included).
 * IPv6 and fragment reassembly will add fields; existing ones keep their meaning.
 */

/** What the comparator does with a frame, decided by the parser. */
export const FrameClass = {
  /** Not IPv4, VLAN-tagged, a runt, or vnet_hdr_len > 20: primary released at once, secondary dropped (SPEC 4). */
  Unsupported: 0,
  /**
   * IPv4 with a bad header (version != 4, IHL < 5, total length < IHL*4 or beyond the frame, truncated
   * TCP/UDP/ICMP header, TCP data offset < 5 or beyond the IP payload): compared as opaque bytes.
   */
  Malformed: 1,
  Tcp: 2,
  Udp: 3,
  Icmp: 4,
  /** Any other IPv4 protocol (GRE, IGMP, SCTP, ...). */
  Other: 5,
} as const;
export type FrameClass = (typeof FrameClass)[keyof typeof FrameClass];

/** Why a frame is Unsupported or Malformed (0 when it is neither). Stable numbers: used as counter labels. */
export const FrameIssue = {
  None: 0,
  /** vnet_hdr_len > 20 (QEMU's `sizeof(struct virtio_net_hdr_v1_hash)`), or not a non-negative integer. */
  VnetHeaderTooLong: 1,
  /** Shorter than vnet header + Ethernet header. */
  Runt: 2,
  /** 802.1Q / 802.1ad tagged. */
  Vlan: 3,
  /** Ethertype other than IPv4 (ARP, IPv6, ...). */
  NotIpv4: 4,
  /** IPv4 header does not fit in the frame, or version nibble is not 4. */
  TruncatedIpHeader: 5,
  /** IHL < 5. */
  BadIhl: 6,
  /** IP total length < IHL*4 or beyond the frame. */
  BadTotalLength: 7,
  /** The TCP/UDP/ICMP header does not fit inside the IP payload. */
  TruncatedL4Header: 8,
  /** TCP data offset < 5 or beyond the IP payload. */
  BadTcpDataOffset: 9,
} as const;
export type FrameIssue = (typeof FrameIssue)[keyof typeof FrameIssue];

/** One parsed frame: what `parse()` fills in place (see the notes at the top of this file). */
export interface PacketInfo {
  cls: FrameClass;
  issue: FrameIssue;
  /** Length of the whole frame buffer given to parse (vnet header included). */
  frameLen: number;
  /** Bytes of virtio-net header in front of the Ethernet header (0 without vnet support). */
  vnetHdrLen: number;
  /** Offset of the Ethernet header (= vnetHdrLen); -1 for a runt or a rejected vnet header length. */
  l2Offset: number;
  /** Ethertype after any tags (0 when the frame is a runt or ends inside the tags). */
  etherType: number;
  /** True when an 802.1Q/802.1ad tag was seen. */
  vlan: boolean;
  /** IP version from the ethertype (4; 6 later); 0 when not IP. A bad version nibble is Malformed. */
  ipVersion: number;
  /** Offset of the IP header; -1 when there is none. */
  l3Offset: number;
  /** IPv4 header length in bytes (IHL*4). */
  ipHeaderLen: number;
  /** IPv4 total length field. */
  ipTotalLen: number;
  /**
   * IPv4 flags + fragment offset word (host order); 0 for unfragmented without DF. A non-first fragment
   * (offset != 0) has no L4 header: it is classified Other, ports 0, l4Offset -1, and its IP payload is
   * compared opaquely (no reassembly yet). A first fragment parses as its protocol.
   */
  ipFragWord: number;
  /** IP protocol number (0 when not IP). */
  ipProto: number;
  /**
   * IPv4 source and destination as unsigned 32-bit numbers (host order); 0 when unknown. Filled, with
   * ipProto, for Malformed frames too whenever the 20-byte base header is present (else all three are 0).
   */
  srcAddr: number;
  dstAddr: number;
  /** Offset of the L4 header (for Other: the first byte after the IP header); -1 when there is none. */
  l4Offset: number;
  /** TCP/UDP ports (0 for protocols without ports, non-first fragments and Malformed frames). */
  srcPort: number;
  dstPort: number;
  /** TCP fields (0 for other protocols). seq/ack are unsigned 32-bit; tcpHeaderLen includes options. */
  tcpSeq: number;
  tcpAck: number;
  tcpFlags: number;
  tcpHeaderLen: number;
  /**
   * The compared region [cmpStart, cmpEnd), end taken from the IP total length so Ethernet padding is
   * excluded (SPEC 5). TCP: the payload. UDP/ICMP/Other: from the L4 header to the end of the IP payload.
   * Malformed: from the Ethernet header to the end of the frame (opaque). Unsupported: 0, 0.
   */
  cmpStart: number;
  cmpEnd: number;
}

/** TCP flag bits as they appear in `tcpFlags`. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** Largest vnet header colod accepts (QEMU: sizeof(struct virtio_net_hdr_v1_hash) = 20). */
export const MAX_VNET_HDR_LEN = 20;

// Byte layouts and numbers shared with bpf/capture.bpf.c (keep both sides in sync).

/** Frame classes of the per-tap masks in the `cfg` map. */
export const FrameClass = { IPv4: 1, IPv6: 2, ARP: 4, Other: 8 } as const;
/** Every class: the secondary drops all of them. */
export const ALL_CLASSES = 0xf;

/** Record flags: the kernel dropped the frame (it is only in the ring), or the copy is truncated. */
export const RecordFlag = { Dropped: 1, Truncated: 2 } as const;

/** Our record header after libbpf's 8-byte ring header: {cap_len, orig_len, ifindex, ethertype, flags, ktime_ns}. */
export const REC_HDR_LEN = 24;
/** Offsets inside the record header. */
export const REC = { capLen: 0, origLen: 4, ifindex: 8, ethertype: 12, flags: 14, ktimeNs: 16 } as const;

/** Longest frame copied whole (MAX_FRAME in the C source: 9000 B MTU jumbo frames plus headers). */
export const MAX_CAPTURE_FRAME = 9216;

/** Counter order of the per-CPU `stats` map. */
export const STAT_NAMES = ["seen", "captured", "ringfull", "trunc", "passed", "dropped", "released"] as const;

/** Value of `cfg`: {u32 capture_mask, u32 drop_mask}. */
export const CFG_VALUE_LEN = 8;

/** Ethernet header (14) plus one 802.1Q tag (4): what a frame may add on top of the device MTU. */
export const L2_OVERHEAD = 18;

// Kernel and libbpf ABI numbers, each checked against the installed C headers by layouts.test.ts
// (except the TCX attach types, newer than Debian 12's 6.1 UAPI headers).

/** `BPF_MAP_TYPE_RINGBUF` (linux/bpf.h). */
export const BPF_MAP_TYPE_RINGBUF = 27;
/** `BPF_RINGBUF_BUSY_BIT`: record reserved, not yet committed. */
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
/** `BPF_RINGBUF_DISCARD_BIT`: record discarded by the producer, skip it. */
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
/** `BPF_RINGBUF_HDR_SZ`: bytes of the per-record header (u32 len, u32 pg_off). */
export const BPF_RINGBUF_HDR_SZ = 8;
/** `BPF_F_TEST_RUN_ON_CPU`: run the test on `cpu`. */
export const BPF_F_TEST_RUN_ON_CPU = 1;
/** `BPF_F_TEST_XDP_LIVE_FRAMES`: XDP verdicts really happen (kernel >= 5.18). */
export const BPF_F_TEST_XDP_LIVE_FRAMES = 2;
/** `BPF_ANY`: create or update. */
export const BPF_ANY = 0;
/** `BPF_NOEXIST`: create only. */
export const BPF_NOEXIST = 1;
/** `BPF_EXIST`: update only. */
export const BPF_EXIST = 2;
/** `BPF_TC_INGRESS` (libbpf `enum bpf_tc_attach_point`). */
export const BPF_TC_INGRESS = 1;
/** `BPF_TC_EGRESS`. */
export const BPF_TC_EGRESS = 2;
/** `BPF_TC_F_REPLACE` (libbpf `enum bpf_tc_flags`). */
export const BPF_TC_F_REPLACE = 1;
/** `BTF_KIND_DATASEC` (linux/btf.h). */
export const BTF_KIND_DATASEC = 15;
/** `BPF_TCX_INGRESS` (linux/bpf.h >= 6.6). */
export const BPF_TCX_INGRESS = 46;
/** `BPF_TCX_EGRESS` (linux/bpf.h >= 6.6). */
export const BPF_TCX_EGRESS = 47;
/** `POLLIN` (poll.h). */
export const POLLIN = 1;

/** The header-checked constants by C name. */
export const HEADER_CONSTANTS: Readonly<Record<string, number>> = {
  BPF_MAP_TYPE_RINGBUF,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  BPF_F_TEST_RUN_ON_CPU,
  BPF_F_TEST_XDP_LIVE_FRAMES,
  BPF_ANY,
  BPF_NOEXIST,
  BPF_EXIST,
  BPF_TC_INGRESS,
  BPF_TC_EGRESS,
  BPF_TC_F_REPLACE,
  BTF_KIND_DATASEC,
  POLLIN,
};

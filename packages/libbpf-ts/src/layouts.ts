// Byte layouts of the libbpf option structs (x86-64/arm64 LP64), checked against the C headers by
// layouts.test.ts. libbpf reads `sz` first, so an older libbpf ignores fields it does not know.

/** A field: byte offset and width (1, 2, 4 or 8). */
export interface Field {
  readonly offset: number;
  readonly size: 1 | 2 | 4 | 8;
}

/** A C struct: its C name, total size and fields by C member name. */
export interface Layout<F extends string = string> {
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<F, Field>>;
  /** Only a prefix is declared: `size` is what we pass, not sizeof. */
  readonly partial?: boolean;
}

import { OFF_HEAP_MIN } from "./offheap.js";

const f = (offset: number, size: Field["size"]): Field => ({ offset, size });

/** `struct bpf_object_open_opts` (libbpf.h), the fields the binding sets. */
export const BPF_OBJECT_OPEN_OPTS = {
  name: "bpf_object_open_opts",
  size: 80,
  fields: {
    sz: f(0, 8),
    object_name: f(8, 8),
    relaxed_maps: f(16, 1),
    pin_root_path: f(24, 8),
    kconfig: f(40, 8),
  },
} as const satisfies Layout;

/** `struct bpf_tc_hook` (libbpf.h). */
export const BPF_TC_HOOK = {
  name: "bpf_tc_hook",
  size: 24,
  fields: { sz: f(0, 8), ifindex: f(8, 4), attach_point: f(12, 4), parent: f(16, 4) },
} as const satisfies Layout;

/** `struct bpf_tc_opts` (libbpf.h). */
export const BPF_TC_OPTS = {
  name: "bpf_tc_opts",
  size: 32,
  fields: {
    sz: f(0, 8),
    prog_fd: f(8, 4),
    flags: f(12, 4),
    prog_id: f(16, 4),
    handle: f(20, 4),
    priority: f(24, 4),
  },
} as const satisfies Layout;

/** `struct bpf_test_run_opts` (bpf.h). */
export const BPF_TEST_RUN_OPTS = {
  name: "bpf_test_run_opts",
  size: 80,
  fields: {
    sz: f(0, 8),
    data_in: f(8, 8),
    data_out: f(16, 8),
    data_size_in: f(24, 4),
    data_size_out: f(28, 4),
    ctx_in: f(32, 8),
    ctx_out: f(40, 8),
    ctx_size_in: f(48, 4),
    ctx_size_out: f(52, 4),
    retval: f(56, 4),
    repeat: f(60, 4),
    duration: f(64, 4),
    flags: f(68, 4),
    cpu: f(72, 4),
    batch_size: f(76, 4),
  },
} as const satisfies Layout;

/** `struct xdp_md` (linux/bpf.h): the XDP test-run context. */
export const XDP_MD = {
  name: "xdp_md",
  size: 24,
  fields: {
    data: f(0, 4),
    data_end: f(4, 4),
    data_meta: f(8, 4),
    ingress_ifindex: f(12, 4),
    rx_queue_index: f(16, 4),
    egress_ifindex: f(20, 4),
  },
} as const satisfies Layout;

/** `struct bpf_prog_info` (linux/bpf.h): only the leading fields the binding reads. */
export const BPF_PROG_INFO = {
  name: "bpf_prog_info",
  size: 8, // the kernel accepts a short info_len and fills only that much
  partial: true,
  fields: { type: f(0, 4), id: f(4, 4) },
} as const satisfies Layout;

/** `struct btf_type` (linux/btf.h): name_off, info (vlen bits 0-15, kind bits 24-28), size/type. */
export const BTF_TYPE = {
  name: "btf_type",
  size: 12,
  fields: { name_off: f(0, 4), info: f(4, 4), size: f(8, 4) },
} as const satisfies Layout;

/** `struct btf_var_secinfo` (linux/btf.h): one variable of a DATASEC. */
export const BTF_VAR_SECINFO = {
  name: "btf_var_secinfo",
  size: 12,
  fields: { type: f(0, 4), offset: f(4, 4), size: f(8, 4) },
} as const satisfies Layout;

/** `struct pollfd` (poll.h). */
export const POLLFD = {
  name: "pollfd",
  size: 8,
  fields: { fd: f(0, 4), events: f(4, 2), revents: f(6, 2) },
} as const satisfies Layout;

/** Every declared layout, for the header check. */
export const LAYOUTS: readonly Layout[] = [
  BPF_OBJECT_OPEN_OPTS,
  BPF_TC_HOOK,
  BPF_TC_OPTS,
  BPF_TEST_RUN_OPTS,
  XDP_MD,
  BPF_PROG_INFO,
  BTF_TYPE,
  BTF_VAR_SECINFO,
  POLLFD,
];

/** A zero-filled struct buffer; `sz` is pre-set when the layout has one. Sized at least OFF_HEAP_MIN so
 * the backing store is off V8's moving heap and its address is stable while native code holds it. */
export class Struct<F extends string> {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(readonly layout: Layout<F>) {
    this.bytes = new Uint8Array(Math.max(layout.size, OFF_HEAP_MIN));
    this.dv = new DataView(this.bytes.buffer);
    if ("sz" in layout.fields) this.set("sz" as F, layout.size);
  }
  /** Write a field (little-endian host order). */
  set(name: F, value: number | bigint): this {
    const { offset, size } = this.layout.fields[name];
    if (size === 8) this.dv.setBigUint64(offset, BigInt(value), true);
    else if (size === 4) this.dv.setUint32(offset, Number(value) >>> 0, true);
    else if (size === 2) this.dv.setUint16(offset, Number(value), true);
    else this.dv.setUint8(offset, Number(value));
    return this;
  }
  /** Read a field as a number (8-byte fields must fit in 2^53). */
  get(name: F): number {
    const { offset, size } = this.layout.fields[name];
    if (size === 8) return Number(this.dv.getBigUint64(offset, true));
    if (size === 4) return this.dv.getUint32(offset, true);
    if (size === 2) return this.dv.getUint16(offset, true);
    return this.dv.getUint8(offset);
  }
}

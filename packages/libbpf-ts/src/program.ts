// A program of a BpfObject: fd, identity and BPF_PROG_TEST_RUN (including XDP live frames).
import { check, StateError } from "./errors.js";
import type { Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { BPF_PROG_INFO, BPF_TEST_RUN_OPTS, Struct, XDP_MD } from "./layouts.js";
import { libbpf } from "./native.js";
import { copyBack, OFF_HEAP_MIN, stableIn, stableOut } from "./offheap.js";

/** Input of `BpfProgram.testRun`. */
export interface TestRunOptions {
  /** Packet bytes (data_in). */
  readonly data?: Uint8Array;
  /** Buffer for the packet after the run (data_out). */
  readonly dataOut?: Uint8Array;
  /** Program context (e.g. from `xdpContext`). */
  readonly ctx?: Uint8Array;
  /** Buffer for the context after the run. */
  readonly ctxOut?: Uint8Array;
  /** Run count (default 1). */
  readonly repeat?: number;
  /** BPF_F_TEST_* flags. */
  readonly flags?: number;
  /** CPU with BPF_F_TEST_RUN_ON_CPU. */
  readonly cpu?: number;
  /** Frames per batch for XDP live frames. */
  readonly batchSize?: number;
}

/** Output of `BpfProgram.testRun`. */
export interface TestRunResult {
  /** Program return value (e.g. XDP_PASS = 2). */
  readonly retval: number;
  /** Average ns per run. */
  readonly duration: number;
  /** Bytes written to dataOut. */
  readonly dataSizeOut: number;
  /** Bytes written to ctxOut. */
  readonly ctxSizeOut: number;
}

/** An `xdp_md` context for XDP test runs: `len` bytes of packet received on `ingressIfindex`. */
export function xdpContext(len: number, ingressIfindex = 0, into?: Uint8Array): Uint8Array {
  const s = into ? into.fill(0) : new Uint8Array(XDP_MD.size);
  const dv = new DataView(s.buffer, s.byteOffset, XDP_MD.size);
  dv.setUint32(XDP_MD.fields.data_end.offset, len, true);
  dv.setUint32(XDP_MD.fields.ingress_ifindex.offset, ingressIfindex, true);
  return s;
}

const scratch = () => new Uint8Array(OFF_HEAP_MIN);

interface Owner {
  readonly ptr: Ptr;
  readonly loaded: boolean;
}

/** A `struct bpf_program` of an object. */
export class BpfProgram {
  #fd = -1; // cached after load: testRun is a release hot path
  readonly #opts = new Struct(BPF_TEST_RUN_OPTS);
  // Staging for caller buffers small enough to live on V8's moving heap (see offheap.ts).
  readonly #scratch = [scratch(), scratch(), scratch(), scratch()] as const; // reused: testRun may be the release hot path
  readonly #info = new Uint8Array(64);
  readonly #infoLen = new Uint8Array(64);

  /** @internal */
  constructor(
    private readonly owner: Owner,
    private readonly raw: Ptr,
  ) {}

  /** The raw `struct bpf_program *`. */
  get ptr(): Ptr {
    void this.owner.ptr;
    return this.raw;
  }

  /** The C function name. */
  get name(): string {
    return libbpf().bpf_program__name(this.ptr) ?? "";
  }

  /** `enum bpf_prog_type` value. */
  get type(): number {
    return libbpf().bpf_program__type(this.ptr);
  }

  /** Program fd (only after load). */
  get fd(): number {
    void this.owner.ptr; // throws once the object is closed
    if (this.#fd < 0) {
      if (!this.owner.loaded) throw new StateError(`program ${this.name} has no fd before load()`);
      this.#fd = check(`bpf_program__fd(${this.name})`, libbpf().bpf_program__fd(this.ptr));
    }
    return this.#fd;
  }

  /** Kernel program id (what tc/TCX queries report). */
  get id(): number {
    new DataView(this.#infoLen.buffer).setUint32(0, BPF_PROG_INFO.size, true);
    check(
      `bpf_obj_get_info_by_fd(${this.name})`,
      libbpf().bpf_obj_get_info_by_fd(this.fd, this.#info, this.#infoLen),
    );
    return new DataView(this.#info.buffer).getUint32(BPF_PROG_INFO.fields.id.offset, true);
  }

  /** Load this program with the object or not (before load). */
  setAutoload(on: boolean): void {
    check(
      `bpf_program__set_autoload(${this.name})`,
      libbpf().bpf_program__set_autoload(this.ptr, on ? 1 : 0),
    );
  }

  /**
   * BPF_PROG_TEST_RUN. For XDP live frames (release into a device's receive path):
   * `prog.testRun({ data: frame, ctx: xdpContext(frame.length, ifindex), flags: BPF_F_TEST_XDP_LIVE_FRAMES })`.
   */
  testRun(o: TestRunOptions): TestRunResult {
    const s = this.#opts;
    s.bytes.fill(0);
    s.set("sz", BPF_TEST_RUN_OPTS.size);
    const [a, b, c, d] = this.#scratch;
    const dataIn = o.data && stableIn(o.data, a);
    const ctxIn = o.ctx && stableIn(o.ctx, b);
    const dataOut = o.dataOut && stableOut(o.dataOut, c);
    const ctxOut = o.ctxOut && stableOut(o.ctxOut, d);
    if (dataIn) s.set("data_in", ffi.addressOf(dataIn)).set("data_size_in", dataIn.byteLength);
    if (dataOut) s.set("data_out", ffi.addressOf(dataOut)).set("data_size_out", dataOut.byteLength);
    if (ctxIn) s.set("ctx_in", ffi.addressOf(ctxIn)).set("ctx_size_in", ctxIn.byteLength);
    if (ctxOut) s.set("ctx_out", ffi.addressOf(ctxOut)).set("ctx_size_out", ctxOut.byteLength);
    s.set("repeat", o.repeat ?? 1)
      .set("flags", o.flags ?? 0)
      .set("cpu", o.cpu ?? 0)
      .set("batch_size", o.batchSize ?? 0);
    check(`bpf_prog_test_run_opts(${this.name})`, libbpf().bpf_prog_test_run_opts(this.fd, s.bytes));
    if (dataOut && o.dataOut) copyBack(dataOut, o.dataOut, s.get("data_size_out"));
    if (ctxOut && o.ctxOut) copyBack(ctxOut, o.ctxOut, s.get("ctx_size_out"));
    return {
      retval: s.get("retval"),
      duration: s.get("duration"),
      dataSizeOut: s.get("data_size_out"),
      ctxSizeOut: s.get("ctx_size_out"),
    };
  }
}

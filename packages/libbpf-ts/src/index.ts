// libbpf-ts: a thin typed binding of the libbpf >= 1.0 ABI for Node (koffi), Bun (bun:ffi) and Deno.

export { errnoName } from "./errno.js";
export {
  ExistsError,
  errnoError,
  InvalidArgumentError,
  LibbpfError,
  LibraryMissingError,
  NotFoundError,
  ObjectError,
  PermissionError,
  ResourceError,
  StateError,
} from "./errors.js";
export { type Backend, type Caps, type CType, detectRuntime, ffi, type Ptr } from "./ffi/index.js";
export { type Field, LAYOUTS, type Layout } from "./layouts.js";
export { BPF_ANY, BPF_EXIST, BPF_MAP_TYPE_RINGBUF, BPF_NOEXIST, BpfMap } from "./map.js";
export { LIBBPF_PATH, libc as libcSymbols } from "./native.js";
export { ifindex } from "./netif.js";
export { BpfObject, type RodataValue } from "./object.js";
export { type PrintFn, type PrintLevel, setPrint } from "./print.js";
export {
  BPF_F_TEST_RUN_ON_CPU,
  BPF_F_TEST_XDP_LIVE_FRAMES,
  BpfProgram,
  type TestRunOptions,
  type TestRunResult,
  xdpContext,
} from "./program.js";
export { type RecordHandler, RingBuffer, type RingBufferOptions } from "./ringbuf.js";
export { attachTc, queryTc, TcAttachment, type TcDirection, type TcOptions } from "./tc.js";
export { attachTcx, BPF_TCX_EGRESS, BPF_TCX_INGRESS, queryTcx, TcxLink } from "./tcx.js";
export { defaultStrategy, type WaitStrategy } from "./wait.js";

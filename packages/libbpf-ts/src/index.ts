// libbpf-ts: a thin typed binding of the libbpf >= 1.0 ABI for Node (koffi), Bun (bun:ffi) and Deno.

export * from "./constants.js";
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
export {
  type Backend,
  type Callback,
  type Caps,
  type CType,
  detectRuntime,
  type FnDefs,
  type FnSig,
  ffi,
  type NativeLib,
  type Ptr,
} from "./ffi/index.js";
export { type Field, LAYOUTS, type Layout } from "./layouts.js";
export { LibbpfRingBuffer, type SampleHandler } from "./libbpf-ringbuf.js";
export { BpfMap } from "./map.js";
export { LIBBPF_PATH, openLibbpf } from "./native.js";
export { ifindex } from "./netif.js";
export { BpfObject, type RodataValue } from "./object.js";
export { type PrintFn, type PrintLevel, resetPrint, setPrint, withLog } from "./print.js";
export { probeMapType, probeProgType, probeTcx } from "./probe.js";
export {
  BpfProgram,
  type TestRunOptions,
  type TestRunResult,
  xdpContext,
} from "./program.js";
export { type RecordHandler, RingBuffer, type RingBufferOptions } from "./ringbuf.js";
export { attachTc, queryTc, TcAttachment, type TcDirection, type TcOptions } from "./tc.js";
export { attachTcx, queryTcx, TcxLink } from "./tcx.js";
export { defaultStrategy, type WaitStrategy } from "./wait.js";

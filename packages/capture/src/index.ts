// @colod/capture: tap capture (tc/TCX + BPF ring buffer) and release (XDP live frames) for colod.
export { type AttachMode, attachIngress } from "./attach.js";
export {
  DEFAULT_RING_BYTES,
  DEFAULT_WAKEUP_BYTES,
  openTapCapture,
  roleConfig,
  TapCapture,
  type TapCaptureOptions,
  type TapCaptureStats,
  type TapRole,
} from "./capture.js";
export {
  AttachError,
  CaptureError,
  ClosedError,
  FrameTooLargeError,
  InterfaceNotFoundError,
  KernelSupportError,
  PrivilegeError,
  ReleaseError,
} from "./errors.js";
export { ALL_CLASSES, FrameClass, MAX_CAPTURE_FRAME, RecordFlag } from "./layout.js";
export { captureObjectBytes } from "./object.js";
export { effectiveCaps, kernelAtLeast, kernelVersion, missingCaps } from "./preflight.js";
export {
  MIN_FRAME,
  openTapRelease,
  TapRelease,
  type TapReleaseOptions,
  type TapReleaseStats,
  XDP_LIVE_MAX_FRAME,
} from "./release.js";
export { Slab } from "./slab.js";
export { type CapturedFrame, CaptureSource, type FrameHandler, type FrameMeta } from "./source.js";
export type { KernelStats } from "./stats.js";

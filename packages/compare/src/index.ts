export { Comparator } from "./comparator.js";
export {
  type CompareCounters,
  type ConnCounters,
  type CounterSnapshot,
  LATENCY_BOUNDS_MS,
  type LatencyHistogram,
} from "./counters.js";
export { CompareError, CompareOptionError, CompareReentrancyError } from "./errors.js";
export {
  type CompareOptions,
  DEFAULT_COMPARE_TIMEOUT_MS,
  DEFAULT_EXPIRED_SCAN_CYCLE_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_QUEUE_SIZE,
  type ResolvedOptions,
} from "./options.js";
export type { PassthroughEntry, PassthroughRule } from "./passthrough.js";
export {
  CHECKPOINT_REASONS,
  type CheckpointReason,
  type CompareSink,
  type ConnInfo,
  type DivergentFrame,
  DROP_CAUSES,
  type DropCause,
} from "./types.js";

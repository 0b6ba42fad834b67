// The counters snapshot the daemon hands to the metrics endpoint and the control socket. Plain numbers in
// plain objects so the comparator can keep them as fields it bumps on the hot path and copy them only when
// someone asks.

/** Why a frame was dropped; the daemon may add causes, these are the documented ones. */
export type DropCause =
  | "queue_full" // --max-queue-size reached on one side of a connection
  | "table_full" // the connection table is full and nothing idle could be evicted
  | "zero_length" // a len = 0 frame on a socket
  | "oversize" // len > 69632: the connection was closed
  | "unsupported_secondary" // a secondary frame colod cannot compare (not IPv4, VLAN, ...)
  | "passthrough_secondary" // a secondary frame of a passthrough flow
  | "checkpoint_secondary"; // a held secondary frame dropped at a checkpoint

/** Why a checkpoint was requested (SPEC section 6). */
export type CheckpointReason = "divergence" | "timeout" | "queue_full" | "table_full";

/** A release-latency histogram as bucket arrays (what {@link LatencyHistogram.snapshot} returns). */
export interface LatencyHistogramSnapshot {
  /** Upper bounds in seconds, strictly ascending, without +Inf. */
  bounds: readonly number[];
  /** Per-bucket counts, NOT cumulative: `counts[i]` counts observations in (bounds[i-1], bounds[i]]; one extra
   * last entry counts those above the last bound. Length `bounds.length + 1`. */
  counts: ArrayLike<number>;
  /** Sum of all observations in seconds. */
  sum: number;
}

/** Counters of one comparator instance (one primary/secondary pair). All counts are totals since start. */
export interface ColodCounters {
  /** Label value of `instance` (e.g. the colo-compare object id). */
  instance: string;
  /** Frames read from primary-in and secondary-in. */
  framesIn: { primary: number; secondary: number };
  /** Primary frames (and their bytes) written to outdev. */
  released: { frames: number; bytes: number };
  /** Payload bytes compared equal between the two sides. */
  comparedBytes: number;
  /** Comparisons that found different output. */
  divergences: number;
  /** Expired-scan rounds that found a frame older than --compare-timeout. */
  timeouts: number;
  /** Dropped frames by cause (see {@link DropCause}). */
  drops: Readonly<Record<string, number>>;
  /** Checkpoint requests sent, by reason (see {@link CheckpointReason}). */
  checkpointRequests: Readonly<Record<string, number>>;
  /** Checkpoints done (COLO_CHECKPOINT received or flush triggered). */
  checkpoints: number;
  /** What is held right now, waiting for comparison or a checkpoint. */
  held: { primaryFrames: number; primaryBytes: number; secondaryFrames: number; secondaryBytes: number };
  /** Connections in the table right now. */
  connections: number;
  /** Time from a primary frame's arrival to its release. */
  releaseLatency: LatencyHistogramSnapshot;
}

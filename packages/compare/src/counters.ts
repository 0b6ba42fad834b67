import {
  CHECKPOINT_REASONS,
  type CheckpointReason,
  type ConnInfo,
  DROP_CAUSES,
  type DropCause,
} from "./types.js";

/** Stable counter slots for DropCause and CheckpointReason, so counting is an array increment, not a string key. */
export const DropSlot = {
  unsupported: 0,
  passthrough: 1,
  retransmit: 2,
  stale: 3,
  "queue-full": 4,
  "table-full": 5,
  checkpoint: 6,
} as const satisfies Record<DropCause, number>;
export const ReasonSlot = {
  divergence: 0,
  timeout: 1,
  "queue-full": 2,
  "table-full": 3,
} as const satisfies Record<CheckpointReason, number>;

/** Counter snapshot shared by the total and each connection. */
export interface CounterSnapshot {
  /** Frames pushed per side. */
  primaryIn: number;
  secondaryIn: number;
  /** Primary frames released (compared, uncompared or flushed). */
  released: number;
  /** Primary frames released without comparison (unsupported or passthrough). */
  releasedUncompared: number;
  /** Primary frames released by a checkpoint or flushAll. */
  releasedByFlush: number;
  /** Secondary frames consumed by a match (or, TCP without payload, taken in for their ack and flags). */
  secondaryMatched: number;
  /** Bytes found equal on both sides. */
  comparedBytes: number;
  /** Divergences found (each one is also a request). */
  divergences: number;
  /** Scans that found a held frame older than the timeout (each one is also a request). */
  timeouts: number;
  /** Checkpoint requests made, in total and by reason. */
  checkpointsRequested: number;
  requestsByReason: Record<CheckpointReason, number>;
  /** Frames let go without release, by cause, and per side. */
  drops: Record<DropCause, number>;
  primaryDrops: number;
  secondaryDrops: number;
  /** Frames and bytes held right now (both sides). */
  heldFrames: number;
  heldBytes: number;
  heldPrimaryFrames: number;
  heldSecondaryFrames: number;
  heldPrimaryBytes: number;
  heldSecondaryBytes: number;
}

/** Totals of the whole engine. */
export interface CompareCounters extends CounterSnapshot {
  /** Checkpoints performed (checkpoint() calls). */
  checkpoints: number;
  /** Connections in the table now. */
  connections: number;
}

/** One connection's counters (lost when an idle connection is evicted; the totals keep them). */
export interface ConnCounters extends CounterSnapshot, ConnInfo {}

/** Mutable counters; one per connection plus one total. */
export class Tally {
  primaryIn = 0;
  secondaryIn = 0;
  released = 0;
  releasedUncompared = 0;
  releasedByFlush = 0;
  secondaryMatched = 0;
  comparedBytes = 0;
  divergences = 0;
  timeouts = 0;
  primaryDrops = 0;
  secondaryDrops = 0;
  heldPrimaryFrames = 0;
  heldSecondaryFrames = 0;
  heldPrimaryBytes = 0;
  heldSecondaryBytes = 0;
  // Made on first use: most connections never drop or request, and two typed arrays per connection were
  // 43% of a connection's heap (docs/performance.md, proposal 3).
  private drops: Float64Array | undefined;
  private requests: Float64Array | undefined;

  /** Counts one drop of the cause in `slot` (DropSlot). */
  countDrop(slot: number): void {
    if (this.drops === undefined) this.drops = new Float64Array(DROP_CAUSES.length);
    this.drops[slot]!++;
  }

  /** Counts one checkpoint request of the reason in `slot` (ReasonSlot). */
  countRequest(slot: number): void {
    if (this.requests === undefined) this.requests = new Float64Array(CHECKPOINT_REASONS.length);
    this.requests[slot]!++;
  }

  /** A plain-object copy for callers. */
  snapshot(): CounterSnapshot {
    const drops = {} as Record<DropCause, number>;
    DROP_CAUSES.forEach((c, i) => {
      drops[c] = this.drops?.[i] ?? 0;
    });
    const requestsByReason = {} as Record<CheckpointReason, number>;
    let checkpointsRequested = 0;
    CHECKPOINT_REASONS.forEach((r, i) => {
      const n = this.requests?.[i] ?? 0;
      requestsByReason[r] = n;
      checkpointsRequested += n;
    });
    return {
      primaryIn: this.primaryIn,
      secondaryIn: this.secondaryIn,
      released: this.released,
      releasedUncompared: this.releasedUncompared,
      releasedByFlush: this.releasedByFlush,
      secondaryMatched: this.secondaryMatched,
      comparedBytes: this.comparedBytes,
      divergences: this.divergences,
      timeouts: this.timeouts,
      checkpointsRequested,
      requestsByReason,
      drops,
      primaryDrops: this.primaryDrops,
      secondaryDrops: this.secondaryDrops,
      heldFrames: this.heldPrimaryFrames + this.heldSecondaryFrames,
      heldBytes: this.heldPrimaryBytes + this.heldSecondaryBytes,
      heldPrimaryFrames: this.heldPrimaryFrames,
      heldSecondaryFrames: this.heldSecondaryFrames,
      heldPrimaryBytes: this.heldPrimaryBytes,
      heldSecondaryBytes: this.heldSecondaryBytes,
    };
  }
}

/** Upper bounds (ms, inclusive) of the release-latency buckets; one more bucket counts everything above. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
];

/** Release latency (primary arrival to release) snapshot, Prometheus-style but non-cumulative buckets. */
export interface LatencyHistogram {
  /** Upper bound of each bucket in ms; the last bucket (index bounds.length) is +Inf. */
  bounds: readonly number[];
  /** Count per bucket, length bounds.length + 1. */
  counts: number[];
  count: number;
  sumMs: number;
}

/** Fixed-bucket histogram: recording is an index search and an increment, no allocation. */
export class Latency {
  private readonly counts = new Float64Array(LATENCY_BOUNDS_MS.length + 1);
  private count = 0;
  private sum = 0;

  /** Records one release `ms` after arrival. */
  record(ms: number): void {
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += ms;
  }

  /** A copy for callers. */
  snapshot(): LatencyHistogram {
    return { bounds: LATENCY_BOUNDS_MS, counts: Array.from(this.counts), count: this.count, sumMs: this.sum };
  }
}

/** Why the engine asks the COLO frame for a checkpoint (SPEC 6: every request carries its reason). */
export type CheckpointReason = "divergence" | "timeout" | "queue-full" | "table-full";

/**
 * Why the engine let go of a frame without releasing it (secondary) or could not hold it (primary).
 * `unsupported`/`passthrough`: secondary frame of a flow that is not compared. `retransmit`: secondary TCP bytes
 * that were already compared. `stale`: secondary TCP bytes at positions the primary skipped. `queue-full` /
 * `table-full`: a limit of SPEC 4 (primary frames too: counted and reported). `checkpoint`: held secondary frames
 * dropped by a checkpoint.
 */
export type DropCause =
  | "unsupported"
  | "passthrough"
  | "retransmit"
  | "stale"
  | "queue-full"
  | "table-full"
  | "checkpoint";

/** Every DropCause, in counter order. */
export const DROP_CAUSES: readonly DropCause[] = [
  "unsupported",
  "passthrough",
  "retransmit",
  "stale",
  "queue-full",
  "table-full",
  "checkpoint",
];

/** Every CheckpointReason, in counter order. */
export const CHECKPOINT_REASONS: readonly CheckpointReason[] = [
  "divergence",
  "timeout",
  "queue-full",
  "table-full",
];

/** The connection a request or counter row concerns: the exact 5-tuple (addresses as unsigned 32-bit numbers). */
export interface ConnInfo {
  readonly id: number;
  readonly proto: number;
  readonly srcAddr: number;
  readonly dstAddr: number;
  readonly srcPort: number;
  readonly dstPort: number;
}

/** One frame of a diverging pair. */
export interface DivergentFrame {
  readonly frame: Uint8Array;
  readonly vnetHdrLen: number;
}

/** Where the engine's decisions go; the engine never does I/O itself. */
export interface CompareSink {
  /** A primary frame leaves, byte-for-byte as pushed (vnet header included), in per-connection order. */
  release(frame: Uint8Array, vnetHdrLen: number): void;
  /** A frame is let go without release (see DropCause); optional, the counters have the totals anyway. */
  drop?(side: "primary" | "secondary", frame: Uint8Array, cause: DropCause): void;
  /**
   * The first differing pair of a divergence, for diagnostics (the daemon writes it to a pcap file). Frames are
   * as pushed, vnet header included; they stay held, so they must not be mutated.
   */
  divergence?(primary: DivergentFrame, secondary: DivergentFrame, conn: ConnInfo): void;
  /** The engine wants a checkpoint; called for every decision, coalescing is the notifier's job (SPEC 6). */
  checkpointRequest(reason: CheckpointReason, conn: ConnInfo | undefined): void;
}

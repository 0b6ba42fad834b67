// Shapes shared by the Notifier and its sinks.

/** Why a checkpoint is requested (SPEC sections 4, 5 and 6). */
export type CheckpointReason = "divergence" | "timeout" | "queue-full" | "table-full";

/** Every reason, in a fixed order (for stats and metrics). */
export const CHECKPOINT_REASONS: readonly CheckpointReason[] = [
  "divergence",
  "timeout",
  "queue-full",
  "table-full",
];

/** The connection a request concerns, for logs and metrics (addresses as dotted quads). */
export interface ConnInfo {
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** One checkpoint request as the sinks receive it; `at` is the Notifier's clock (Date.now() by default). */
export interface CheckpointRequest {
  reason: CheckpointReason;
  conn?: ConnInfo;
  at: number;
}

/** Where requests go: the notify_dev socket, an exec hook, an in-process event, a control socket... */
export interface NotifySink {
  name: string;
  /** Must not block; a throw or rejection is counted and reported by the Notifier, never propagated. */
  send(req: CheckpointRequest): void | Promise<void>;
  close?(): Promise<void>;
}

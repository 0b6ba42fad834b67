// Coalescing of checkpoint requests (SPEC 6): one goes out, the rest are held until a checkpoint happens or
// one hold period passes; the caller keeps requesting while its cause persists, so nothing stalls.
import { EventEmitter } from "node:events";
import { SinkError } from "./errors.js";
import {
  CHECKPOINT_REASONS,
  type CheckpointReason,
  type CheckpointRequest,
  type ConnInfo,
  type NotifySink,
} from "./types.js";

/** Notifier settings; `holdMs` is the daemon's --expired-scan-cycle. */
export interface NotifierOptions {
  holdMs: number;
  /** Clock in ms (injected by tests); default Date.now. */
  now?: () => number;
  sinks?: NotifySink[];
}

/** Counters; `coalesced` requests were held back, `sinkErrors` counts failed sink deliveries. */
export interface NotifierStats {
  requested: number;
  sent: number;
  coalesced: number;
  checkpoints: number;
  sinkErrors: number;
  byReason: Record<CheckpointReason, number>;
}

/**
 * Sends checkpoint requests to every sink, coalesced. Events: "request" (CheckpointRequest, each one sent)
 * and "sink-error" (SinkError).
 * @example
 * const n = new Notifier({ holdMs: 1000, sinks: [execSink({ command: "/usr/local/bin/on-divergence" })] });
 * n.request("divergence", conn); // true: sent; later calls within 1 s return false
 */
export class Notifier extends EventEmitter {
  readonly stats: NotifierStats;
  readonly #holdMs: number;
  readonly #now: () => number;
  readonly #sinks: NotifySink[];
  #lastSent: number | undefined;

  constructor(opts: NotifierOptions) {
    super();
    this.#holdMs = opts.holdMs;
    this.#now = opts.now ?? Date.now;
    this.#sinks = [...(opts.sinks ?? [])];
    const byReason = Object.fromEntries(CHECKPOINT_REASONS.map((r) => [r, 0])) as Record<
      CheckpointReason,
      number
    >;
    this.stats = { requested: 0, sent: 0, coalesced: 0, checkpoints: 0, sinkErrors: 0, byReason };
  }

  /** Adds a sink; it receives requests sent from now on. */
  addSink(sink: NotifySink): void {
    this.#sinks.push(sink);
  }

  /** Asks for a checkpoint. True if sent now, false if held back (one was sent less than holdMs ago). */
  request(reason: CheckpointReason, conn?: ConnInfo): boolean {
    this.stats.requested++;
    this.stats.byReason[reason]++;
    const at = this.#now();
    if (this.#lastSent !== undefined && at - this.#lastSent < this.#holdMs) {
      this.stats.coalesced++;
      return false;
    }
    this.#lastSent = at;
    this.stats.sent++;
    const req: CheckpointRequest = conn === undefined ? { reason, at } : { reason, conn, at };
    this.emit("request", req);
    for (const sink of this.#sinks) this.#deliver(sink, req);
    return true;
  }

  /** A checkpoint happened: the next request goes out at once. */
  checkpointDone(): void {
    this.stats.checkpoints++;
    this.#lastSent = undefined;
  }

  /** Closes every sink that has a close(). */
  async close(): Promise<void> {
    await Promise.all(this.#sinks.map((s) => s.close?.()));
  }

  #deliver(sink: NotifySink, req: CheckpointRequest): void {
    try {
      const p = sink.send(req);
      if (p !== undefined) p.catch((e: unknown) => this.#failed(sink, e));
    } catch (e) {
      this.#failed(sink, e);
    }
  }

  #failed(sink: NotifySink, cause: unknown): void {
    this.stats.sinkErrors++;
    this.emit("sink-error", new SinkError(sink.name, cause));
  }
}

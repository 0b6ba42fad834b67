import type { ConnState } from "./conn-state.js";
import { DropSlot, Latency, ReasonSlot, Tally } from "./counters.js";
import type { Held } from "./held.js";
import type { ResolvedOptions } from "./options.js";
import type { CheckpointReason, CompareSink, DropCause } from "./types.js";

/**
 * What the FIFO and TCP comparison need from the engine: the sink, the clock and the counters, kept in one
 * place so every release, drop and request is counted the same way.
 */
export class Core {
  /** Totals over all connections (survive eviction). */
  readonly total = new Tally();
  /** Release latency of compared and flushed primary frames. */
  readonly latency = new Latency();

  constructor(
    readonly opts: ResolvedOptions,
    private readonly sink: CompareSink,
  ) {}

  /** Counts a frame entering a queue. */
  hold(st: ConnState, h: Held, primary: boolean): void {
    const n = h.frame.length;
    if (primary) {
      st.tally.heldPrimaryFrames++;
      this.total.heldPrimaryFrames++;
      st.tally.heldPrimaryBytes += n;
      this.total.heldPrimaryBytes += n;
    } else {
      st.tally.heldSecondaryFrames++;
      this.total.heldSecondaryFrames++;
      st.tally.heldSecondaryBytes += n;
      this.total.heldSecondaryBytes += n;
    }
  }

  private unhold(st: ConnState, h: Held, primary: boolean): void {
    const n = h.frame.length;
    if (primary) {
      st.tally.heldPrimaryFrames--;
      this.total.heldPrimaryFrames--;
      st.tally.heldPrimaryBytes -= n;
      this.total.heldPrimaryBytes -= n;
    } else {
      st.tally.heldSecondaryFrames--;
      this.total.heldSecondaryFrames--;
      st.tally.heldSecondaryBytes -= n;
      this.total.heldSecondaryBytes -= n;
    }
  }

  /** Releases a held primary frame (already removed from its queue). */
  release(st: ConnState, h: Held, now: number, byFlush: boolean): void {
    this.unhold(st, h, true);
    st.tally.released++;
    this.total.released++;
    if (byFlush) {
      st.tally.releasedByFlush++;
      this.total.releasedByFlush++;
    }
    this.latency.record(now - h.arrival);
    this.sink.release(h.frame, h.vnetHdrLen);
  }

  /** Releases a primary frame that is never compared (unsupported or passthrough). */
  releaseUncompared(frame: Uint8Array, vnetHdrLen: number): void {
    this.total.released++;
    this.total.releasedUncompared++;
    this.sink.release(frame, vnetHdrLen);
  }

  /** A held secondary frame was consumed by matching primary bytes (already removed from its queue). */
  consumed(st: ConnState, h: Held): void {
    this.unhold(st, h, false);
    st.tally.secondaryMatched++;
    this.total.secondaryMatched++;
  }

  /** A secondary TCP segment without payload was taken in (ack, flags) without being held. */
  absorbed(st: ConnState): void {
    st.tally.secondaryMatched++;
    this.total.secondaryMatched++;
  }

  /** Counts bytes found equal on both sides. */
  compared(st: ConnState, n: number): void {
    st.tally.comparedBytes += n;
    this.total.comparedBytes += n;
  }

  /** Drops a held secondary frame (already removed from its queue). */
  dropHeld(st: ConnState, h: Held, cause: DropCause): void {
    this.unhold(st, h, false);
    this.drop(st, false, h.frame, cause);
  }

  /** Drops a frame that was never held; `st` is undefined when it has no connection (table full, unsupported). */
  drop(st: ConnState | undefined, primary: boolean, frame: Uint8Array, cause: DropCause): void {
    const slot = DropSlot[cause];
    this.total.countDrop(slot);
    if (primary) this.total.primaryDrops++;
    else this.total.secondaryDrops++;
    if (st) {
      st.tally.countDrop(slot);
      if (primary) st.tally.primaryDrops++;
      else st.tally.secondaryDrops++;
    }
    this.sink.drop?.(primary ? "primary" : "secondary", frame, cause);
  }

  /** Hands the first differing pair of a divergence to the sink's diagnostics hook, if it has one. */
  diverged(st: ConnState, p: Held, s: Held): void {
    this.sink.divergence?.(p, s, st.conn);
  }

  /** Reports a checkpoint request; coalescing is the notifier's job. */
  request(reason: CheckpointReason, st: ConnState | undefined): void {
    const slot = ReasonSlot[reason];
    this.total.countRequest(slot);
    if (st) st.tally.countRequest(slot);
    if (reason === "divergence") {
      this.total.divergences++;
      if (st) st.tally.divergences++;
    } else if (reason === "timeout") {
      this.total.timeouts++;
      if (st) st.tally.timeouts++;
    }
    this.sink.checkpointRequest(reason, st?.conn);
  }
}

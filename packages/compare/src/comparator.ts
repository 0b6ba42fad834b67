import { ConnTable } from "@colod/conntrack";
import { FrameClass, newPacketInfo, type PacketInfo, parse } from "@colod/packet";
import { ConnState } from "./conn-state.js";
import { Core } from "./core.js";
import type { CompareCounters, ConnCounters, LatencyHistogram } from "./counters.js";
import { CompareReentrancyError } from "./errors.js";
import { fifoHeld, fifoRound } from "./fifo.js";
import { type CompareOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type PassthroughEntry, PassthroughList, type PassthroughRule } from "./passthrough.js";
import { TcpStream, tcpFlush, tcpHasOld, tcpPushPrimary, tcpPushSecondary } from "./tcp.js";
import type { CompareSink } from "./types.js";

/** What a sink callback asked for while the engine was busy; a checkpoint outranks a plain flush. */
const PENDING_NONE = 0;
const PENDING_FLUSH = 1;
const PENDING_CHECKPOINT = 2;

/**
 * The COLO comparator engine (SPEC 4-5): feed it both guests' frames, it releases primary frames through the
 * sink once the secondary produced the same output, and asks for checkpoints. No sockets, no timers: the owner
 * calls `scan()` every `expiredScanCycleMs` and `checkpoint()` on COLO_CHECKPOINT.
 * @example
 * const cmp = new Comparator({}, { release: (f, v) => out.write(f, v), checkpointRequest: (r) => notify(r) });
 * cmp.pushPrimary(frame, 0);
 */
export class Comparator {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedOptions;
  private readonly core: Core;
  private readonly table: ConnTable<ConnState>;
  private readonly info: PacketInfo = newPacketInfo();
  private readonly passthrough = new PassthroughList();
  private busy = false;
  /** A flush asked for from inside a sink callback runs once the current call returns. */
  private pending = PENDING_NONE;
  private checkpoints = 0;

  constructor(opts: CompareOptions, sink: CompareSink) {
    this.options = resolveOptions(opts);
    this.core = new Core(this.options, sink);
    this.table = new ConnTable<ConnState>({
      capacity: this.options.maxConnections,
      init: (conn) => new ConnState(conn),
      isIdle: (state) => state.idle(),
    });
  }

  /** A frame from the primary guest. The engine keeps `frame` without copying: do not mutate it afterwards. */
  pushPrimary(frame: Uint8Array, vnetHdrLen: number): void {
    this.enter("pushPrimary");
    try {
      this.primary(frame, vnetHdrLen);
    } finally {
      this.leave();
    }
  }

  /** A frame from the secondary guest. It never leaves the engine; kept without copying until consumed. */
  pushSecondary(frame: Uint8Array, vnetHdrLen: number): void {
    this.enter("pushSecondary");
    try {
      this.secondary(frame, vnetHdrLen);
    } finally {
      this.leave();
    }
  }

  /** The timer scan: one timeout request when any held frame is older than `compareTimeoutMs`. */
  scan(): void {
    const now = this.options.now();
    const timeout = this.options.compareTimeoutMs;
    let found: ConnState | undefined;
    this.table.forEach(({ state }) => {
      if (found === undefined && !state.idle() && hasOld(state, now, timeout)) found = state;
    });
    if (found) this.core.request("timeout", found);
  }

  /** COLO_CHECKPOINT: release every held primary frame, drop held secondary ones, reset comparison state. */
  checkpoint(): void {
    this.flushOrDefer(PENDING_CHECKPOINT);
  }

  /** Shutdown: the same release as a checkpoint (per connection in arrival order, TCP in sequence order). */
  flushAll(): void {
    this.flushOrDefer(PENDING_FLUSH);
  }

  /** Adds a passthrough rule at run time; returns its id. Throws CompareOptionError on a bad field. */
  addPassthrough(rule: PassthroughRule): number {
    return this.passthrough.add(rule);
  }

  /** Removes a passthrough rule; false when no rule has that id. */
  removePassthrough(id: number): boolean {
    return this.passthrough.remove(id);
  }

  /** The passthrough rules in the order they were added. */
  listPassthrough(): PassthroughEntry[] {
    return this.passthrough.list();
  }

  /** Engine totals (a copy). */
  counters(): CompareCounters {
    return { ...this.core.total.snapshot(), checkpoints: this.checkpoints, connections: this.table.size };
  }

  /** One counter row per connection in the table, in creation order (copies). */
  connections(): ConnCounters[] {
    const rows: ConnCounters[] = [];
    this.table.forEach(({ state }) => {
      const c = state.conn;
      rows.push({
        id: c.id,
        proto: c.proto,
        srcAddr: c.srcAddr,
        dstAddr: c.dstAddr,
        srcPort: c.srcPort,
        dstPort: c.dstPort,
        ...state.tally.snapshot(),
      });
    });
    return rows;
  }

  /** Frames held right now, both sides. */
  get heldFrames(): number {
    return this.core.total.heldPrimaryFrames + this.core.total.heldSecondaryFrames;
  }

  /** Bytes held right now, both sides. */
  get heldBytes(): number {
    return this.core.total.heldPrimaryBytes + this.core.total.heldSecondaryBytes;
  }

  /** Release latency (primary arrival to release) histogram (a copy). */
  releaseLatency(): LatencyHistogram {
    return this.core.latency.snapshot();
  }

  private primary(frame: Uint8Array, vnetHdrLen: number): void {
    const core = this.core;
    const info = parse(frame, vnetHdrLen, this.info);
    core.total.primaryIn++;
    if (info.cls === FrameClass.Unsupported || this.passthrough.matches(info)) {
      core.releaseUncompared(frame, vnetHdrLen);
      return;
    }
    const st = this.stateFor(info, true, frame);
    if (st === undefined) return;
    const now = this.options.now();
    if (info.cls === FrameClass.Tcp) {
      st.tcp ??= new TcpStream();
      tcpPushPrimary(core, st, st.tcp, frame, info, now);
      return;
    }
    const h = fifoHeld(frame, vnetHdrLen, info, now);
    st.fifoPri.push(h);
    core.hold(st, h, true);
    fifoRound(core, st, now);
  }

  private secondary(frame: Uint8Array, vnetHdrLen: number): void {
    const core = this.core;
    const info = parse(frame, vnetHdrLen, this.info);
    core.total.secondaryIn++;
    if (info.cls === FrameClass.Unsupported) {
      core.drop(undefined, false, frame, "unsupported");
      return;
    }
    if (this.passthrough.matches(info)) {
      core.drop(undefined, false, frame, "passthrough");
      return;
    }
    const st = this.stateFor(info, false, frame);
    if (st === undefined) return;
    const now = this.options.now();
    if (info.cls === FrameClass.Tcp) {
      st.tcp ??= new TcpStream();
      tcpPushSecondary(core, st, st.tcp, frame, info, now);
      return;
    }
    const h = fifoHeld(frame, vnetHdrLen, info, now);
    st.fifoSec.push(h);
    core.hold(st, h, false);
    fifoRound(core, st, now);
  }

  /** The connection's state, or undefined after dropping the arrival at a limit (counted and requested). */
  private stateFor(info: PacketInfo, primary: boolean, frame: Uint8Array): ConnState | undefined {
    const conn = this.table.lookupOrCreate(info);
    if (conn === undefined) {
      this.core.drop(undefined, primary, frame, "table-full");
      this.core.request("table-full", undefined);
      return undefined;
    }
    const st = conn.state;
    const t = st.tally;
    if (primary) t.primaryIn++;
    else t.secondaryIn++;
    const held = primary ? t.heldPrimaryFrames : t.heldSecondaryFrames;
    // A secondary TCP segment without payload is never held (only its ack and flags are kept): no limit applies.
    const holds = primary || info.cls !== FrameClass.Tcp || info.cmpEnd > info.cmpStart;
    if (holds && held >= this.options.maxQueueSize) {
      this.core.drop(st, primary, frame, "queue-full");
      this.core.request("queue-full", st);
      return undefined;
    }
    return st;
  }

  private flush(): void {
    const core = this.core;
    const now = this.options.now();
    this.table.forEach(({ state }) => {
      while (state.fifoPri.length > 0) core.release(state, state.fifoPri.shift(), now, true);
      while (state.fifoSec.length > 0) core.dropHeld(state, state.fifoSec.shift(), "checkpoint");
      if (state.tcp) tcpFlush(core, state, state.tcp, now);
    });
  }

  private enter(what: string): void {
    if (this.busy) {
      throw new CompareReentrancyError(
        `Comparator.${what} was called from inside a sink callback; queue the frame and push it after the callback returns`,
      );
    }
    this.busy = true;
  }

  private leave(): void {
    this.busy = false;
    const p = this.pending;
    if (p !== PENDING_NONE) {
      this.pending = PENDING_NONE;
      this.flushOrDefer(p);
    }
  }

  private flushOrDefer(kind: number): void {
    if (this.busy) {
      this.pending = Math.max(this.pending, kind);
      return;
    }
    this.busy = true;
    try {
      this.flush();
      if (kind === PENDING_CHECKPOINT) this.checkpoints++;
    } finally {
      this.leave();
    }
  }
}

function hasOld(st: ConnState, now: number, timeoutMs: number): boolean {
  if (st.fifoPri.length > 0 && now - st.fifoPri.get(0).arrival > timeoutMs) return true;
  if (st.fifoSec.length > 0 && now - st.fifoSec.get(0).arrival > timeoutMs) return true;
  return st.tcp !== undefined && tcpHasOld(st.tcp, now, timeoutMs);
}

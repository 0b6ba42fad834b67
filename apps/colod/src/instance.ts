// One compare instance: the sockets of one primary/secondary pair wired to the comparator and the notifier.
// Back-pressure: when outdev cannot keep up, both inputs stop being read (nothing grows, nothing reorders).
import {
  type CheckpointReason,
  Comparator,
  type CompareCounters,
  type ConnInfo,
  type PassthroughEntry,
  type PassthroughRule,
} from "@colod/compare";
import { execSink, Notifier, type NotifySink, notifyDevSink } from "@colod/notify";
import { type ChannelEvent, type Endpoint, formatEndpoint, openChannel } from "@colod/wire";
import { turnClock } from "./clock.js";
import { StartupError } from "./errors.js";
import type { ColodCounters } from "./obs/counters.js";
import type { Logger } from "./obs/log.js";
import { DivergencePcap } from "./obs/pcap.js";
import type { InstanceConfig } from "./options.js";
import { openTapInput, openTapOutdev, type Port } from "./tap-port.js";

/** A checkpoint request as the daemon reports it (logs, control-socket event). */
export interface CheckpointRequestEvent {
  instance: string;
  reason: CheckpointReason;
  conn?: { proto: number; src: string; dst: string; sport: number; dport: number };
  sent: boolean;
}

/** What an instance needs from the daemon. */
export interface InstanceDeps {
  log: Logger;
  onCheckpointRequest?(ev: CheckpointRequestEvent): void;
  now?: () => number;
}

/** Dotted quad of an unsigned 32-bit IPv4 address. */
export function ipString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function connText(c: ConnInfo | undefined): CheckpointRequestEvent["conn"] {
  if (!c) return undefined;
  return {
    proto: c.proto,
    src: ipString(c.srcAddr),
    dst: ipString(c.dstAddr),
    sport: c.srcPort,
    dport: c.dstPort,
  };
}

/** Highest buffered bytes on outdev before the inputs are paused. */
const OUT_HIGH_WATER = 4 * 2 ** 20;
/** How long shutdown waits for outdev to take the released frames. */
const SHUTDOWN_FLUSH_MS = 5000;

/** A running colo-compare equivalent for one VM NIC. */
export class CompareInstance {
  readonly cfg: InstanceConfig;
  readonly comparator: Comparator;
  readonly notifier: Notifier;
  readonly #deps: InstanceDeps;
  readonly #log: Logger;
  #primary?: Port;
  #secondary?: Port;
  #out?: Port;
  #notifyDev?: NotifySink & { close?(): Promise<void> };
  #pcap?: DivergencePcap;
  #timer?: ReturnType<typeof setInterval>;
  #paused = false;
  #stopping = false;
  /** Input-side counters the comparator cannot see. */
  readonly wire = { zeroLength: 0, oversize: 0, pauses: 0 };

  constructor(cfg: InstanceConfig, deps: InstanceDeps) {
    this.cfg = cfg;
    this.#deps = deps;
    this.#log = deps.log.child({ instance: cfg.name });
    const now = deps.now ?? turnClock();
    this.notifier = new Notifier({ holdMs: cfg.expiredScanCycle, now });
    this.comparator = new Comparator(
      {
        compareTimeoutMs: cfg.compareTimeout,
        expiredScanCycleMs: cfg.expiredScanCycle,
        maxQueueSize: cfg.maxQueueSize,
        maxConnections: cfg.maxConnections,
        now,
      },
      {
        release: (frame, vnetHdrLen) => this.#release(frame, vnetHdrLen),
        checkpointRequest: (reason, conn) => this.#request(reason, conn),
        divergence: (p, sec) =>
          this.#pcap?.writePair({
            primary: p.frame,
            primaryVnetHdrLen: p.vnetHdrLen,
            secondary: sec.frame,
            secondaryVnetHdrLen: sec.vnetHdrLen,
          }),
      },
    );
  }

  #release(frame: Uint8Array, vnetHdrLen: number): void {
    // outdev has no hard cap: what it buffers was held by the comparator a moment ago, and the inputs pause.
    if (!this.#out!.write(frame, vnetHdrLen) && !this.#paused) {
      this.#paused = true;
      this.wire.pauses++;
      this.#primary?.pause();
      this.#secondary?.pause();
    }
  }

  #resume(): void {
    if (!this.#paused || this.#stopping) return;
    this.#paused = false;
    this.#primary?.resume();
    this.#secondary?.resume();
  }

  #request(reason: CheckpointReason, conn: ConnInfo | undefined): void {
    const c = connText(conn);
    const sent = this.notifier.request(reason, c);
    if (sent) this.#log.warn("checkpoint.request", { reason, conn: c });
    this.#deps.onCheckpointRequest?.({ instance: this.cfg.name, reason, conn: c, sent });
  }

  #onEvent = (ev: ChannelEvent): void => {
    switch (ev.type) {
      case "zero-length":
        this.wire.zeroLength++;
        this.#log.warn("input.zero_length", { channel: ev.channel });
        return;
      case "oversize":
        this.wire.oversize++;
        this.#log.error("input.oversize", { channel: ev.channel, error: ev.error.message });
        return;
      case "error":
        this.#log.error("channel.error", { channel: ev.channel, error: ev.error.message });
        return;
      case "connected":
        this.#log.info("channel.connected", { channel: ev.channel, peer: ev.peer });
        return;
      case "disconnected":
        this.#log.warn("channel.disconnected", {
          channel: ev.channel,
          partialFrameDiscarded: ev.partialFrameDiscarded,
        });
        return;
      default:
        this.#log.debug(`channel.${ev.type}`, { ...ev });
    }
  };

  async #open(ep: Endpoint, name: string, onFrame?: (f: Uint8Array, v: number) => void): Promise<Port> {
    if (ep.kind === "tap") {
      const onError = (e: unknown) =>
        this.#log.error("tap.error", { channel: name, error: (e as Error).message });
      if (name === "outdev") return openTapOutdev(ep.ifname, onError);
      return openTapInput(ep.ifname, name === "primary-in" ? "primary" : "secondary", onFrame!, onError);
    }
    return openChannel({
      endpoint: ep,
      name,
      vnetHdr: this.cfg.vnetHdrSupport,
      onFrame,
      onEvent: this.#onEvent,
      highWaterMark: name === "outdev" ? OUT_HIGH_WATER : undefined,
      maxBuffered: name === "outdev" ? Number.MAX_SAFE_INTEGER : undefined,
    });
  }

  /** Opens every endpoint (servers are bound when this resolves; clients keep connecting in the background). */
  async start(): Promise<void> {
    const cfg = this.cfg;
    if (cfg.pcap) this.setPcap(new DivergencePcap({ path: cfg.pcap, onError: this.#pcapError }));
    const opened: Port[] = [];
    try {
      this.#out = await this.#open(cfg.outdev, "outdev");
      opened.push(this.#out);
      this.#out.on("drain", () => this.#resume());
      this.#primary = await this.#open(cfg.primaryIn, "primary-in", (f, v) =>
        this.comparator.pushPrimary(f, v),
      );
      opened.push(this.#primary);
      this.#secondary = await this.#open(cfg.secondaryIn, "secondary-in", (f, v) =>
        this.comparator.pushSecondary(f, v),
      );
      opened.push(this.#secondary);
      await Promise.all(opened.map((c) => c.listening));
    } catch (e) {
      await Promise.allSettled(opened.map((c) => c.close()));
      if (e instanceof StartupError) throw e;
      throw new StartupError(`instance ${cfg.name}: ${(e as Error).message}`, { cause: e });
    }
    if (cfg.notifyDev) {
      this.#notifyDev = notifyDevSink({
        endpoint: cfg.notifyDev,
        vnetHdr: cfg.vnetHdrSupport,
        onCheckpoint: () => this.checkpoint("notify-dev"),
        onEvent: this.#onEvent,
      });
      this.notifier.addSink(this.#notifyDev);
    }
    if (cfg.execHook) {
      const onError = (e: { code: string; message: string }) =>
        this.#log.warn("exec_hook.failed", { code: e.code, error: e.message });
      this.notifier.addSink(execSink({ command: "/bin/sh", args: ["-c", cfg.execHook], onError }));
    }
    this.#timer = setInterval(() => this.comparator.scan(), cfg.expiredScanCycle);
    this.#log.info("instance.started", {
      primaryIn: formatEndpoint(cfg.primaryIn),
      secondaryIn: formatEndpoint(cfg.secondaryIn),
      outdev: formatEndpoint(cfg.outdev),
      notifyDev: cfg.notifyDev ? formatEndpoint(cfg.notifyDev) : undefined,
      vnetHdrSupport: cfg.vnetHdrSupport,
    });
  }

  #pcapError = (e: Error) => this.#log.error("pcap.error", { error: e });

  /** Starts (or, with undefined, stops) writing diverging pairs to a pcap writer; returns the previous one. */
  setPcap(pcap: DivergencePcap | undefined): DivergencePcap | undefined {
    const old = this.#pcap;
    this.#pcap = pcap;
    return old;
  }

  /** COLO_CHECKPOINT (or the control socket): release held primary frames, drop held secondary frames. */
  checkpoint(source: string): void {
    this.comparator.checkpoint();
    this.notifier.checkpointDone();
    this.#log.info("checkpoint", { source });
  }

  addPassthrough(rule: PassthroughRule): number {
    return this.comparator.addPassthrough(rule);
  }
  removePassthrough(id: number): boolean {
    return this.comparator.removePassthrough(id);
  }
  listPassthrough(): PassthroughEntry[] {
    return this.comparator.listPassthrough();
  }

  /** Shutdown (SPEC 5): stop reading, release every held primary frame in order, flush outdev. */
  async stop(): Promise<{ released: number; undelivered: number }> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([this.#primary?.close(), this.#secondary?.close()]);
    const before = this.comparator.counters().released;
    this.comparator.flushAll();
    const released = this.comparator.counters().released - before;
    let undelivered = 0;
    if (this.#out) {
      const flushed = await Promise.race([
        this.#out.flush().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_FLUSH_MS).unref?.()),
      ]);
      if (!flushed) undelivered = this.#out.stats.buffered;
      await this.#out.close();
    }
    await this.#notifyDev?.close?.();
    await this.#pcap?.close();
    this.#log.info("instance.stopped", { releasedAtShutdown: released, undeliveredBytes: undelivered });
    return { released, undelivered };
  }

  /** Channel counters, for status output. */
  channels(): Record<string, unknown> {
    const row = (c?: Port) =>
      c ? { connected: c.connected, ...c.stats, buffered: c.stats.buffered } : undefined;
    return { primaryIn: row(this.#primary), secondaryIn: row(this.#secondary), outdev: row(this.#out) };
  }

  /** The counters snapshot the metrics endpoint and the control socket use. */
  snapshot(): ColodCounters {
    const c: CompareCounters = this.comparator.counters();
    const h = this.comparator.releaseLatency();
    return {
      instance: this.cfg.name,
      framesIn: { primary: c.primaryIn, secondary: c.secondaryIn },
      released: { frames: c.released, bytes: this.#out?.stats.bytesOut ?? 0 },
      comparedBytes: c.comparedBytes,
      divergences: c.divergences,
      timeouts: c.timeouts,
      drops: {
        queue_full: c.drops["queue-full"],
        table_full: c.drops["table-full"],
        zero_length: this.wire.zeroLength,
        oversize: this.wire.oversize,
        unsupported_secondary: c.drops.unsupported,
        passthrough_secondary: c.drops.passthrough,
        checkpoint_secondary: c.drops.checkpoint,
        retransmit_secondary: c.drops.retransmit,
        stale_secondary: c.drops.stale,
      },
      checkpointRequests: {
        divergence: c.requestsByReason.divergence,
        timeout: c.requestsByReason.timeout,
        queue_full: c.requestsByReason["queue-full"],
        table_full: c.requestsByReason["table-full"],
      },
      checkpoints: c.checkpoints,
      held: {
        primaryFrames: c.heldPrimaryFrames,
        primaryBytes: c.heldPrimaryBytes,
        secondaryFrames: c.heldSecondaryFrames,
        secondaryBytes: c.heldSecondaryBytes,
      },
      connections: c.connections,
      releaseLatency: { bounds: h.bounds.map((ms) => ms / 1000), counts: h.counts, sum: h.sumMs / 1000 },
    };
  }
}

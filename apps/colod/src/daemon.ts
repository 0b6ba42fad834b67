// The colod process: one or more compare instances, the control socket, the metrics endpoint, and shutdown.
import type { PassthroughRule as EngineRule } from "@colod/compare";
import {
  type ColodControlApi,
  emitCheckpointRequest,
  type PassthroughRule,
  QmpCommandError,
  QmpServer,
  registerColodCommands,
} from "./control/index.js";
import { StartupError } from "./errors.js";
import { type CheckpointRequestEvent, CompareInstance } from "./instance.js";
import type { Logger } from "./obs/log.js";
import { type MetricsServer, startMetricsServer } from "./obs/metrics.js";
import { DivergencePcap } from "./obs/pcap.js";
import type { DaemonConfig } from "./options.js";
import { VERSION } from "./version.js";

/** Turns a control-socket rule (numbers) into the engine's rule shape. */
function engineRule(r: PassthroughRule): EngineRule {
  const out: EngineRule = {};
  if (r.protocol !== undefined) out.proto = r.protocol;
  if (r.srcAddr !== undefined) out.srcAddr = r.srcAddr;
  if (r.dstAddr !== undefined) out.dstAddr = r.dstAddr;
  if (r.srcPort !== undefined) out.srcPort = r.srcPort;
  if (r.dstPort !== undefined) out.dstPort = r.dstPort;
  return out;
}

/** A running colod: start(), then stop() once (SIGTERM/SIGINT do that through runUntilSignal). */
export class Daemon {
  readonly instances: CompareInstance[];
  readonly #cfg: DaemonConfig;
  readonly #log: Logger;
  readonly #started = Date.now();
  #control?: QmpServer;
  #metrics?: MetricsServer;
  #state: "running" | "stopping" = "running";
  /** Rules are daemon-wide: the same id in every instance. */
  readonly #rules = new Map<number, { rule: PassthroughRule; ids: number[] }>();
  #nextRule = 1;
  /** The divergence capture started through the control socket (shared by every instance). */
  #pcap?: DivergencePcap;

  constructor(cfg: DaemonConfig, log: Logger) {
    this.#cfg = cfg;
    this.#log = log;
    this.instances = cfg.instances.map(
      (ic) => new CompareInstance(ic, { log, onCheckpointRequest: (ev) => this.#onRequest(ev) }),
    );
  }

  /** The metrics endpoint, once started. */
  get metrics(): MetricsServer | undefined {
    return this.#metrics;
  }

  #onRequest(ev: CheckpointRequestEvent): void {
    // Every request the comparator decides on is an event, sent to the COLO frame or coalesced (SPEC 6).
    if (!this.#control) return;
    emitCheckpointRequest(this.#control, {
      reason: ev.reason.replace("-", "_") as "divergence",
      instance: ev.instance,
      connection: ev.conn && {
        protocol: ev.conn.proto,
        src: ev.conn.src,
        sport: ev.conn.sport,
        dst: ev.conn.dst,
        dport: ev.conn.dport,
      },
    });
  }

  #api(): ColodControlApi {
    return {
      status: () => ({
        version: VERSION,
        state: this.#state,
        uptime: Math.round((Date.now() - this.#started) / 1000),
        instances: this.instances.map((i) => ({ name: i.cfg.name, channels: i.channels() })),
      }),
      counters: () => this.instances.map((i) => i.snapshot()),
      checkpoint: (name?: string) => {
        const picked = this.instances.filter((i) => name === undefined || i.cfg.name === name);
        if (picked.length === 0) throw new QmpCommandError(`No colod instance '${name}'`);
        for (const i of picked) i.checkpoint("control");
        return { instances: picked.map((i) => i.cfg.name) };
      },
      passthroughAdd: (rule) => {
        const id = this.#nextRule++;
        this.#rules.set(id, { rule, ids: this.instances.map((i) => i.addPassthrough(engineRule(rule))) });
        this.#log.info("passthrough.add", { id, rule });
        return id;
      },
      passthroughDel: (id) => {
        const r = this.#rules.get(id);
        if (!r) return false;
        for (const [k, inst] of this.instances.entries()) inst.removePassthrough(r.ids[k]!);
        this.#rules.delete(id);
        this.#log.info("passthrough.del", { id });
        return true;
      },
      passthroughList: () => [...this.#rules].map(([id, r]) => ({ id, rule: r.rule })),
      pcapStart: async (file: string, maxPairs?: number) => {
        await this.#stopPcap();
        this.#pcap = new DivergencePcap({
          path: file,
          maxPairs,
          onError: (e) => this.#log.error("pcap.error", { error: e }),
        });
        for (const i of this.instances) await i.setPcap(this.#pcap)?.close();
        this.#log.info("pcap.start", { file, maxPairs });
        return { file };
      },
      pcapStop: async () => {
        if (!this.#pcap) throw new QmpCommandError("No divergence capture is running");
        await this.#stopPcap();
        return {};
      },
    };
  }

  async #stopPcap(): Promise<void> {
    if (!this.#pcap) return;
    // Run-time capture replaced any --pcap writer of the instances (closed when it started).
    for (const i of this.instances) i.setPcap(undefined);
    await this.#pcap.close();
    this.#log.info("pcap.stop", {});
    this.#pcap = undefined;
  }

  /** Opens every instance's endpoints, then the control socket and the metrics endpoint. */
  async start(): Promise<void> {
    const started: CompareInstance[] = [];
    try {
      for (const inst of this.instances) {
        await inst.start();
        started.push(inst);
      }
      if (this.#cfg.control) {
        this.#control = new QmpServer({
          path: this.#cfg.control,
          mode: this.#cfg.controlMode,
          version: VERSION,
          logger: this.#log,
        });
        registerColodCommands(this.#control, this.#api());
        await this.#control.listen();
      }
      if (this.#cfg.metrics) {
        this.#metrics = await startMetricsServer({
          ...this.#cfg.metrics,
          version: VERSION,
          collect: () => this.instances.map((i) => i.snapshot()),
          onError: (e) => this.#log.error("metrics.error", { error: e }),
        });
        this.#log.info("metrics.listening", { url: this.#metrics.url });
      }
    } catch (e) {
      await Promise.allSettled(started.map((i) => i.stop()));
      await this.#control?.close();
      if (e instanceof StartupError) throw e;
      throw new StartupError((e as Error).message, { cause: e });
    }
  }

  /** SPEC 5 shutdown: every instance releases what it holds and flushes outdev; then the side services close. */
  async stop(): Promise<void> {
    if (this.#state === "stopping") return;
    this.#state = "stopping";
    await Promise.allSettled(this.instances.map((i) => i.stop()));
    await this.#stopPcap();
    await this.#control?.close();
    await this.#metrics?.close();
  }
}

/** Runs until SIGTERM or SIGINT, then stops cleanly; resolves with the exit code. */
export function runUntilSignal(daemon: Daemon, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const onSignal = (sig: string) => {
      if (done) return;
      done = true;
      log.info("shutdown", { signal: sig });
      daemon.stop().then(
        () => resolve(0),
        (e) => {
          log.error("shutdown.failed", { error: String(e) });
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
  });
}

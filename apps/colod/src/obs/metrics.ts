// Prometheus endpoint: prom-client's registry and text format, fed from counters snapshots the daemon hands
// over at scrape time (one collect() call per scrape), so the hot path never touches prom-client.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { ColodCounters } from "./counters.js";
import { MetricsListenError } from "./errors.js";
import { METRIC_DEFS, type MetricDef } from "./metric-defs.js";

/** Returns the counters of every comparator instance, called once per scrape. */
export type CountersCollector = () => ColodCounters | readonly ColodCounters[];

/** Options of {@link ColodMetrics} beyond the collector. */
export interface ColodMetricsOptions {
  /** colod's version, for `colod_build_info`. */
  version?: string;
  /** prom-client's process and event-loop metrics (`process_*`, `nodejs_eventloop_lag_*`). Default true. */
  processMetrics?: boolean;
}

/** colod's metrics in a private prom-client registry; {@link ColodMetrics.render} snapshots and formats. */
export class ColodMetrics {
  /** The prom-client registry (add your own metrics to it if you like). */
  readonly registry = new Registry();
  private snapshot: readonly ColodCounters[] = [];

  constructor(
    private readonly collect: CountersCollector,
    options: ColodMetricsOptions = {},
  ) {
    for (const def of METRIC_DEFS) this.registry.registerMetric(this.metricOf(def) as never);
    this.registry.registerMetric(buildInfo(options.version ?? "unknown") as never);
    // Event-loop lag is the first thing to look at when release latency grows: the comparator shares the loop.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Content-Type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Calls the collector once and returns the Prometheus text exposition. */
  async render(): Promise<string> {
    const got = this.collect();
    this.snapshot = Array.isArray(got) ? got : [got as ColodCounters];
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = [];
    }
  }

  // prom-client calls get() of every metric synchronously inside registry.metrics(), so each one reads the
  // snapshot taken by render() in the same tick.
  private metricOf(def: MetricDef) {
    const samplesOf = () => this.snapshot.flatMap((c) => def.samples(c, { instance: c.instance }));
    return {
      name: def.name,
      help: def.help,
      type: def.type,
      aggregator: "sum",
      get: async () => ({
        name: def.name,
        help: def.help,
        type: def.type,
        aggregator: "sum",
        values: samplesOf(),
      }),
      reset: () => {},
    };
  }
}

function buildInfo(version: string) {
  const v = process.versions as Record<string, string | undefined>;
  const runtime = v.bun ? "bun" : v.deno ? "deno" : "node";
  const labels = { version, runtime, runtime_version: v.bun ?? v.deno ?? v.node ?? "" };
  const metric = {
    name: "colod_build_info",
    help: "colod's version and the runtime it runs on; always 1.",
    type: "gauge",
  };
  return {
    ...metric,
    aggregator: "first",
    get: async () => ({ ...metric, aggregator: "first", values: [{ labels, value: 1 }] }),
    reset: () => {},
  };
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions extends ColodMetricsOptions {
  /** Address to listen on, e.g. "127.0.0.1" or "::". */
  host: string;
  /** TCP port; 0 picks a free one (see {@link MetricsServer.port}). */
  port: number;
  /** Counters source, called once per scrape. */
  collect: CountersCollector;
  /** Called when a scrape fails (the scraper gets HTTP 500). */
  onError?: (err: unknown) => void;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  /** `http://HOST:PORT/metrics`. */
  readonly url: string;
  /** The metrics object behind the endpoint. */
  readonly metrics: ColodMetrics;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Serves `GET /metrics` on HOST:PORT in Prometheus text format. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const metrics = new ColodMetrics(options.collect, options);
  const server = createServer((req, res) => void handle(metrics, req, res, options.onError));
  await listen(server, options.host, options.port);
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    host: options.host,
    port,
    url: `http://${host}:${port}/metrics`,
    metrics,
    close: () => closeServer(server),
  };
}

async function handle(
  metrics: ColodMetrics,
  req: IncomingMessage,
  res: ServerResponse,
  onError?: (err: unknown) => void,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/metrics") return reply(res, 404, "not found: colod serves /metrics\n");
  if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "method not allowed\n");
  try {
    const body = await metrics.render();
    res.writeHead(200, { "content-type": metrics.contentType });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (err) {
    onError?.(err);
    reply(res, 500, `colod metrics collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: unknown) => reject(new MetricsListenError(host, port, err));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

import { afterEach, describe, expect, test } from "vitest";
import type { ColodCounters } from "./counters.js";
import { MetricsListenError } from "./errors.js";
import { LatencyHistogram } from "./latency.js";
import { type MetricsServer, startMetricsServer } from "./metrics.js";

function counters(instance: string, scale = 1): ColodCounters {
  const h = new LatencyHistogram([0.001, 0.01, 0.1]);
  for (const s of [0.0005, 0.0005, 0.005, 0.05, 2]) h.observe(s);
  return {
    instance,
    framesIn: { primary: 100 * scale, secondary: 98 * scale },
    released: { frames: 90 * scale, bytes: 123456 * scale },
    comparedBytes: 100000 * scale,
    divergences: 3 * scale,
    timeouts: 1,
    drops: { queue_full: 2, zero_length: 0 },
    checkpointRequests: { divergence: 3, timeout: 1 },
    checkpoints: 4,
    held: { primaryFrames: 5, primaryBytes: 7000, secondaryFrames: 1, secondaryBytes: 60 },
    connections: 12,
    releaseLatency: h.snapshot(),
  };
}

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scrape(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
}

describe("metrics endpoint", () => {
  test("serves the counters in Prometheus text format over real HTTP", async () => {
    let calls = 0;
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      version: "9.8.7",
      collect: () => {
        calls++;
        return [counters("colo0"), counters("colo1", 2)];
      },
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const r = await scrape(server.url);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(calls).toBe(1); // one snapshot per scrape, whatever the number of metrics
    const lines = r.body.split("\n");
    for (const expected of [
      "# TYPE colod_frames_in_total counter",
      'colod_frames_in_total{instance="colo0",side="primary"} 100',
      'colod_frames_in_total{instance="colo1",side="secondary"} 196',
      'colod_released_frames_total{instance="colo0"} 90',
      'colod_released_bytes_total{instance="colo1"} 246912',
      'colod_compared_bytes_total{instance="colo0"} 100000',
      'colod_divergences_total{instance="colo1"} 6',
      'colod_timeouts_total{instance="colo0"} 1',
      'colod_dropped_frames_total{instance="colo0",cause="queue_full"} 2',
      'colod_dropped_frames_total{instance="colo0",cause="zero_length"} 0',
      'colod_checkpoint_requests_total{instance="colo0",reason="divergence"} 3',
      'colod_checkpoints_total{instance="colo0"} 4',
      "# TYPE colod_held_frames gauge",
      'colod_held_frames{instance="colo0",side="primary"} 5',
      'colod_held_bytes{instance="colo0",side="secondary"} 60',
      'colod_connections{instance="colo1"} 12',
      "# TYPE colod_release_latency_seconds histogram",
      'colod_release_latency_seconds_bucket{instance="colo0",le="0.001"} 2',
      'colod_release_latency_seconds_bucket{instance="colo0",le="0.01"} 3',
      'colod_release_latency_seconds_bucket{instance="colo0",le="0.1"} 4',
      'colod_release_latency_seconds_bucket{instance="colo0",le="+Inf"} 5',
      'colod_release_latency_seconds_sum{instance="colo0"} 2.056',
      'colod_release_latency_seconds_count{instance="colo0"} 5',
    ]) {
      expect(lines).toContain(expected);
    }
    const runtime = process.env.COLOD_EXPECT_RUNTIME ?? "node";
    expect(r.body).toMatch(
      new RegExp(
        `^colod_build_info\\{version="9\\.8\\.7",runtime="${runtime}",runtime_version="[^"]+"\\} 1$`,
        "m",
      ),
    );
    // prom-client's process metrics, under every runtime.
    expect(r.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(r.body).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
    // Every sample line parses as NAME{LABELS} VALUE. prom-client spells NaN "Nan" (an event-loop mean with no
    // samples yet); Prometheus parses special values case-insensitively.
    for (const l of lines.filter((x) => x && !x.startsWith("#"))) {
      expect(l).toMatch(
        /^[a-zA-Z_:][\w:]*(\{[a-zA-Z_]\w*="[^"]*"(,[a-zA-Z_]\w*="[^"]*")*\})? (-?[\d.]+(e[+-]?\d+)?|NaN|Nan|[+-]Inf)$/,
      );
    }
  });

  test("values follow the collector between scrapes; 404 elsewhere; HEAD works", async () => {
    let n = 1;
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      processMetrics: false,
      collect: () => counters("c", n),
    });
    expect((await scrape(server.url)).body).toContain('colod_divergences_total{instance="c"} 3');
    n = 10;
    expect((await scrape(server.url)).body).toContain('colod_divergences_total{instance="c"} 30');
    expect((await scrape(server.url)).body).not.toContain("process_");
    expect((await scrape(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    const head = await fetch(server.url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
  });

  test("a failing collector or malformed histogram gives 500 and onError, and the next scrape works", async () => {
    const errors: unknown[] = [];
    let mode = "throw";
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      onError: (e) => errors.push(e),
      collect: () => {
        if (mode === "throw") throw new Error("instance gone");
        if (mode === "shape")
          return { ...counters("x"), releaseLatency: { bounds: [1, 2], counts: [1], sum: 0 } };
        return counters("x");
      },
    });
    const r1 = await scrape(server.url);
    expect([r1.status, r1.body]).toEqual([500, "colod metrics collection failed: instance gone\n"]);
    mode = "shape";
    const r2 = await scrape(server.url);
    expect(r2.status).toBe(500);
    expect(r2.body).toMatch(/1 bucket counts for 2 bounds/);
    expect(errors).toHaveLength(2);
    mode = "ok";
    expect((await scrape(server.url)).status).toBe(200);
  });

  test("a port in use is a MetricsListenError naming the address", async () => {
    server = await startMetricsServer({ host: "127.0.0.1", port: 0, collect: () => [] });
    const err = await startMetricsServer({ host: "127.0.0.1", port: server.port, collect: () => [] }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(MetricsListenError);
    expect(err.code).toBe("ERR_OBS_METRICS_LISTEN");
    expect(err.message).toContain(`127.0.0.1:${server.port}`);
  });
});

describe("LatencyHistogram", () => {
  test("buckets are upper-inclusive, overflow goes last, reset clears", () => {
    const h = new LatencyHistogram([1, 2]);
    for (const s of [0, 1, 1.5, 2, 3]) h.observe(s);
    expect(h.snapshot()).toEqual({ bounds: [1, 2], counts: [2, 2, 1], sum: 7.5 });
    h.reset();
    expect(h.snapshot().counts).toEqual([0, 0, 0]);
    expect(() => new LatencyHistogram([2, 1])).toThrow(RangeError);
  });
});

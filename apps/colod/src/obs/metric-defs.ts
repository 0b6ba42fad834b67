// colod's per-instance metrics: names, help texts, types, and how each is read from a counters snapshot.
import type { ColodCounters, LatencyHistogramSnapshot } from "./counters.js";
import { MetricsShapeError } from "./errors.js";

/** Label names to values of one sample. */
export type Labels = Record<string, string | number>;
/** One sample as prom-client's registry formats it. */
export interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}
/** Prometheus metric types colod uses. */
export type Kind = "counter" | "gauge" | "histogram";
/** A metric colod exports: name, help, type and how to read it from a counters snapshot. */
export interface MetricDef {
  name: string;
  help: string;
  type: Kind;
  samples(c: ColodCounters, labels: Labels): Sample[];
}

const one = (value: number, labels: Labels): Sample[] => [{ labels, value }];
const byKey = (rec: Readonly<Record<string, number>>, key: string, labels: Labels): Sample[] =>
  Object.keys(rec).map((k) => ({ labels: { ...labels, [key]: k }, value: rec[k] ?? 0 }));

/** Every per-instance metric, in exposition order. */
export const METRIC_DEFS: readonly MetricDef[] = [
  {
    name: "colod_frames_in_total",
    help: "Frames read from primary-in and secondary-in.",
    type: "counter",
    samples: (c, l) => [
      { labels: { ...l, side: "primary" }, value: c.framesIn.primary },
      { labels: { ...l, side: "secondary" }, value: c.framesIn.secondary },
    ],
  },
  {
    name: "colod_released_frames_total",
    help: "Primary frames written to outdev.",
    type: "counter",
    samples: (c, l) => one(c.released.frames, l),
  },
  {
    name: "colod_released_bytes_total",
    help: "Bytes of primary frames written to outdev.",
    type: "counter",
    samples: (c, l) => one(c.released.bytes, l),
  },
  {
    name: "colod_compared_bytes_total",
    help: "Payload bytes compared equal between primary and secondary.",
    type: "counter",
    samples: (c, l) => one(c.comparedBytes, l),
  },
  {
    name: "colod_divergences_total",
    help: "Comparisons that found different output.",
    type: "counter",
    samples: (c, l) => one(c.divergences, l),
  },
  {
    name: "colod_timeouts_total",
    help: "Expired scans that found a held frame older than --compare-timeout.",
    type: "counter",
    samples: (c, l) => one(c.timeouts, l),
  },
  {
    name: "colod_dropped_frames_total",
    help: "Frames dropped, by cause.",
    type: "counter",
    samples: (c, l) => byKey(c.drops, "cause", l),
  },
  {
    name: "colod_checkpoint_requests_total",
    help: "Checkpoint requests sent to the COLO frame, by reason.",
    type: "counter",
    samples: (c, l) => byKey(c.checkpointRequests, "reason", l),
  },
  {
    name: "colod_checkpoints_total",
    help: "Checkpoints done (held primary frames released, held secondary frames dropped).",
    type: "counter",
    samples: (c, l) => one(c.checkpoints, l),
  },
  {
    name: "colod_held_frames",
    help: "Frames held right now, by side.",
    type: "gauge",
    samples: (c, l) => [
      { labels: { ...l, side: "primary" }, value: c.held.primaryFrames },
      { labels: { ...l, side: "secondary" }, value: c.held.secondaryFrames },
    ],
  },
  {
    name: "colod_held_bytes",
    help: "Bytes held right now, by side.",
    type: "gauge",
    samples: (c, l) => [
      { labels: { ...l, side: "primary" }, value: c.held.primaryBytes },
      { labels: { ...l, side: "secondary" }, value: c.held.secondaryBytes },
    ],
  },
  {
    name: "colod_connections",
    help: "Connections in the table right now.",
    type: "gauge",
    samples: (c, l) => one(c.connections, l),
  },
  {
    name: "colod_release_latency_seconds",
    help: "Time from a primary frame's arrival to its release.",
    type: "histogram",
    samples: (c, l) => histogramSamples("colod_release_latency_seconds", c.releaseLatency, l),
  },
];

/** Turns bucket arrays into Prometheus' cumulative `_bucket`, `_sum` and `_count` samples. */
export function histogramSamples(name: string, h: LatencyHistogramSnapshot, labels: Labels): Sample[] {
  if (h.counts.length !== h.bounds.length + 1) {
    throw new MetricsShapeError(
      `${name}: ${h.counts.length} bucket counts for ${h.bounds.length} bounds; expected bounds.length + 1 (the last counts +Inf)`,
    );
  }
  const out: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i <= h.bounds.length; i++) {
    cumulative += h.counts[i] ?? 0;
    const le = i < h.bounds.length ? String(h.bounds[i]) : "+Inf";
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
  }
  out.push({ metricName: `${name}_sum`, labels, value: h.sum });
  out.push({ metricName: `${name}_count`, labels, value: cumulative });
  return out;
}

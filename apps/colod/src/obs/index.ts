// Observability: JSON logs, the Prometheus endpoint, the divergence pcap.
export type { CheckpointReason, ColodCounters, DropCause, LatencyHistogramSnapshot } from "./counters.js";
export { MetricsListenError, MetricsShapeError, ObsError, PcapWriteError } from "./errors.js";
export { DEFAULT_LATENCY_BOUNDS, LatencyHistogram } from "./latency.js";
export {
  createLogger,
  Logger,
  type LoggerOptions,
  type LogLevel,
  type LogSink,
  SUPPRESSED_EVENT,
} from "./log.js";
export { histogramSamples, METRIC_DEFS, type MetricDef } from "./metric-defs.js";
export {
  ColodMetrics,
  type ColodMetricsOptions,
  type CountersCollector,
  type MetricsServer,
  type MetricsServerOptions,
  startMetricsServer,
} from "./metrics.js";
export {
  DEFAULT_MAX_PAIRS,
  type DivergencePair,
  DivergencePcap,
  type DivergencePcapOptions,
} from "./pcap.js";
export { safeStringify, toJsonSafe } from "./safe-json.js";

/** Base class of every error raised by colod's observability modules; `code` is stable, messages are for people. */
export class ObsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The metrics endpoint could not listen (address in use, bad host, no permission). */
export class MetricsListenError extends ObsError {
  constructor(host: string, port: number, cause: unknown) {
    super(
      "ERR_OBS_METRICS_LISTEN",
      `metrics endpoint ${host}:${port}: cannot listen (${describe(cause)}); pick a free port or another --metrics address`,
      { cause },
    );
  }
}

/** A counters snapshot that cannot be turned into metrics (e.g. histogram bucket arrays of the wrong length). */
export class MetricsShapeError extends ObsError {
  constructor(message: string) {
    super("ERR_OBS_METRICS_SHAPE", `metrics: ${message}`);
  }
}

/** The pcap file could not be opened or written. */
export class PcapWriteError extends ObsError {
  constructor(path: string, cause: unknown) {
    super(
      "ERR_OBS_PCAP_WRITE",
      `pcap file ${path}: ${describe(cause)}; check the directory exists and is writable`,
      {
        cause,
      },
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

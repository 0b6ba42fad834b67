// Structured JSON logs: one line per event, `{"ts","level","event",...fields}`, rate-limited per event so a
// divergence storm cannot flood the disk; the suppressed count is reported in one summary line per window.
import { setTimeout as setTimer } from "node:timers";
import { toJsonSafe } from "./safe-json.js";

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where lines go: anything with a `write(string)` (process.stderr, a file stream, an array in tests). */
export interface LogSink {
  write(line: string): unknown;
}

/** Options of {@link Logger}. */
export interface LoggerOptions {
  /** Default process.stderr. */
  sink?: LogSink;
  /** Lines below this level are dropped; "silent" drops everything. Default "info". */
  level?: LogLevel | "silent";
  /** At most this many lines per event name per window; further ones are counted, not written. Default 20. */
  maxPerWindow?: number;
  /** Length of a rate-limit window in ms. Default 1000. */
  windowMs?: number;
  /** Fields added to every line (e.g. `{ instance: "colo0" }`). */
  fields?: Record<string, unknown>;
  /** Clock in ms since the epoch, for the `ts` field and windows. Default Date.now. */
  now?: () => number;
}

/** The event name of the summary line written after a window in which lines were suppressed. */
export const SUPPRESSED_EVENT = "log.suppressed";

const RANK: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const RESERVED = new Set(["ts", "level", "event"]);
const MAX_KEYS = 4096; // distinct event names tracked per scope; beyond that, stale windows are pruned

interface Window {
  start: number;
  written: number;
  suppressed: number;
  level: LogLevel;
  /** Fields of the logger whose lines were counted, for its summary line. */
  base: Record<string, unknown>;
}

/** Shared state of a logger and its children: one sink, one rate limiter. Windows are kept per scope (the
 * child's fields), so a flood on one instance does not silence the same event on another. */
class Core {
  readonly scopes = new Map<string, Map<string, Window>>();
  timerArmed = false;
  constructor(
    readonly sink: LogSink,
    readonly minRank: number,
    readonly max: number,
    readonly windowMs: number,
    readonly now: () => number,
  ) {}

  windowsOf(scope: string): Map<string, Window> {
    let m = this.scopes.get(scope);
    if (!m) {
      m = new Map();
      this.scopes.set(scope, m);
    }
    return m;
  }

  write(
    now: number,
    level: LogLevel,
    event: string,
    base: Record<string, unknown>,
    fields?: Record<string, unknown>,
  ) {
    const line: Record<string, unknown> = { ts: new Date(now).toISOString(), level, event };
    copyFields(line, base);
    if (fields) copyFields(line, fields);
    try {
      this.sink.write(`${JSON.stringify(toJsonSafe(line))}\n`);
    } catch {
      // A broken log sink (EPIPE on stderr) must not take the daemon down with it.
    }
  }

  /** Writes the window's summary if it suppressed anything, and starts it afresh. */
  close(event: string, w: Window, now: number): void {
    if (w.suppressed > 0) {
      const fields = { key: event, suppressed: w.suppressed, windowMs: this.windowMs };
      this.write(now, w.level === "error" ? "error" : "warn", SUPPRESSED_EVENT, w.base, fields);
    }
    w.start = now;
    w.written = 0;
    w.suppressed = 0;
    w.level = "debug";
  }

  /** Closes every window (or only those whose time is up) that suppressed something. */
  closeAll(now: number, onlyExpired: boolean): boolean {
    let pending = false;
    for (const windows of this.scopes.values()) {
      for (const [event, w] of windows) {
        if (w.suppressed === 0) continue;
        if (!onlyExpired || now - w.start >= this.windowMs) this.close(event, w, now);
        else pending = true;
      }
    }
    return pending;
  }

  // One timer per window length reports suppressed counts even when the flood stops and no line follows.
  armTimer(): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    const t = setTimer(() => {
      this.timerArmed = false;
      if (this.closeAll(this.now(), true)) this.armTimer();
    }, this.windowMs);
    (t as { unref?: () => void }).unref?.();
  }

  prune(windows: Map<string, Window>, now: number): void {
    for (const [event, w] of windows) {
      if (now - w.start >= this.windowMs) {
        this.close(event, w, now);
        windows.delete(event);
      }
    }
  }
}

/** A structured JSON-lines logger with per-event rate limiting. */
export class Logger {
  private core: Core;
  private base: Record<string, unknown>;
  private windows: Map<string, Window>;

  constructor(options: LoggerOptions = {}) {
    this.core = new Core(
      options.sink ?? process.stderr,
      RANK[options.level ?? "info"],
      options.maxPerWindow ?? 20,
      options.windowMs ?? 1000,
      options.now ?? Date.now,
    );
    this.base = options.fields ?? {};
    this.windows = this.core.windowsOf(scopeOf(this.base));
  }

  /** A logger writing through the same sink and limiter, with extra fields on every line; its events are
   * rate-limited separately from the parent's. */
  child(fields: Record<string, unknown>): Logger {
    const child = Object.create(Logger.prototype) as Logger;
    child.core = this.core;
    child.base = { ...this.base, ...fields };
    child.windows = this.core.windowsOf(scopeOf(child.base));
    return child;
  }

  /** Whether a line at `level` would be written (use it to skip building expensive fields). */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.core.minRank;
  }

  /** Logs at debug level. */
  debug(event: string, fields?: Record<string, unknown>): void {
    this.log("debug", event, fields);
  }

  /** Logs at info level. */
  info(event: string, fields?: Record<string, unknown>): void {
    this.log("info", event, fields);
  }

  /** Logs at warn level. */
  warn(event: string, fields?: Record<string, unknown>): void {
    this.log("warn", event, fields);
  }

  /** Logs at error level. */
  error(event: string, fields?: Record<string, unknown>): void {
    this.log("error", event, fields);
  }

  /** Writes one line for `event` unless its level is filtered or its rate limit is used up. */
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const c = this.core;
    const now = c.now();
    const w = this.window(event, now, level);
    if (w.written >= c.max) {
      w.suppressed++;
      c.armTimer();
      return;
    }
    w.written++;
    c.write(now, level, event, this.base, fields);
  }

  /** Writes the summary lines of every window that suppressed something, now (e.g. before exit). */
  flush(): void {
    this.core.closeAll(this.core.now(), false);
  }

  private window(event: string, now: number, level: LogLevel): Window {
    const c = this.core;
    let w = this.windows.get(event);
    if (w && now - w.start >= c.windowMs) c.close(event, w, now);
    if (!w) {
      if (this.windows.size >= MAX_KEYS) c.prune(this.windows, now);
      w = { start: now, written: 0, suppressed: 0, level, base: this.base };
      this.windows.set(event, w);
    }
    if (RANK[level] > RANK[w.level]) w.level = level;
    return w;
  }
}

// Children with the same fields share windows, so creating a child per call does not grow the state.
function scopeOf(base: Record<string, unknown>): string {
  try {
    return JSON.stringify(toJsonSafe(base));
  } catch {
    return "";
  }
}

function copyFields(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const key of Object.keys(from)) if (!RESERVED.has(key)) into[key] = from[key];
}

/** Creates a logger (see {@link LoggerOptions}). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger(options);
}

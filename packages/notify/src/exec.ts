// The exec hook: runs an operator's command per checkpoint request, with the request in its environment.
import { spawn } from "node:child_process";
import { ExecHookError } from "./errors.js";
import type { CheckpointRequest, NotifySink } from "./types.js";

/** Settings of the exec hook. */
export interface ExecSinkOptions {
  command: string;
  args?: string[];
  /** Kill the command (SIGTERM, then SIGKILL) after this long; default 10 s. */
  timeoutMs?: number;
  /** Every failure (spawn error, non-zero exit, timeout); never thrown. */
  onError?(err: ExecHookError): void;
  name?: string;
}

/** Counters of the exec hook; `skipped` requests arrived while the previous run was still going. */
export interface ExecSinkStats {
  started: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Grace between SIGTERM and SIGKILL for a command past its timeout. */
const KILL_GRACE_MS = 1000;
/** Bytes of stderr kept for the failure message. */
const STDERR_TAIL = 512;

/** Variables a request may set; inherited copies are removed so a request without conn carries none. */
const REQUEST_VARS = [
  "COLOD_REASON",
  "COLOD_TIME",
  "COLOD_CONN_PROTO",
  "COLOD_CONN_SRC",
  "COLOD_CONN_DST",
  "COLOD_CONN_SPORT",
  "COLOD_CONN_DPORT",
];

/** The hook's environment: the daemon's, minus inherited request variables, plus this request's. */
function hookEnv(req: CheckpointRequest): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of REQUEST_VARS) delete env[k];
  return Object.assign(env, requestEnv(req));
}

/** The request as environment variables (COLOD_CONN_* only when the request names a connection). */
export function requestEnv(req: CheckpointRequest): Record<string, string> {
  const env: Record<string, string> = { COLOD_REASON: req.reason, COLOD_TIME: String(req.at) };
  if (req.conn !== undefined) {
    env.COLOD_CONN_PROTO = String(req.conn.proto);
    env.COLOD_CONN_SRC = req.conn.src;
    env.COLOD_CONN_DST = req.conn.dst;
    env.COLOD_CONN_SPORT = String(req.conn.sport);
    env.COLOD_CONN_DPORT = String(req.conn.dport);
  }
  return env;
}

/**
 * A sink that runs `command` once per request, at most one at a time (requests during a run are skipped and
 * counted: the Notifier repeats them while the cause persists). send() resolves when the run ends, never rejects.
 * @example execSink({ command: "sh", args: ["-c", 'logger "colod: checkpoint ($COLOD_REASON)"'] })
 */
export function execSink(
  opts: ExecSinkOptions,
): NotifySink & { stats: ExecSinkStats; close(): Promise<void> } {
  const stats: ExecSinkStats = { started: 0, succeeded: 0, failed: 0, skipped: 0 };
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let running: Promise<void> | undefined;
  let closed = false;

  const fail = (message: string, cause?: unknown) => {
    stats.failed++;
    opts.onError?.(new ExecHookError(opts.command, message, cause));
  };

  function run(req: CheckpointRequest): Promise<void> {
    stats.started++;
    return new Promise<void>((resolve) => {
      let stderr = "";
      let timedOut = false;
      const child = spawn(opts.command, opts.args ?? [], {
        env: hookEnv(req),
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.on("data", (c: Uint8Array) => {
        stderr = (stderr + new TextDecoder().decode(c)).slice(-STDERR_TAIL);
      });
      const stop = () => {
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS).unref();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      let settled = false;
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
        resolve();
      };
      child.once("error", (e) => done(() => fail(`cannot run it: ${e.message}`, e)));
      child.once("close", (code, signal) =>
        done(() => {
          const tail = stderr.trim() ? `; stderr: ${stderr.trim()}` : "";
          if (timedOut)
            fail(`killed (${signal ?? `status ${code}`}) after the ${timeoutMs} ms timeout${tail}`);
          else if (code === 0) stats.succeeded++;
          else fail(`exited with ${code !== null ? `status ${code}` : `signal ${signal}`}${tail}`);
        }),
      );
    });
  }

  return {
    name: opts.name ?? "exec",
    stats,
    send(req: CheckpointRequest): Promise<void> {
      if (closed) return Promise.resolve();
      if (running !== undefined) {
        stats.skipped++;
        return running;
      }
      const p = run(req).finally(() => {
        running = undefined;
      });
      running = p;
      return p;
    },
    /** Waits for a running command (bounded by its timeout); nothing new starts after close. */
    async close(): Promise<void> {
      closed = true;
      await running;
    },
  };
}

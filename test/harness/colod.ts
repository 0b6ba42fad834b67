// Runs the built colod daemon as a child process under the runtime the test itself is on, exactly as SPEC 3
// says an operator does: node_modules/.bin/colod, bun node_modules/.bin/colod, deno run -A node_modules/.bin/colod.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentRuntime } from "./runtime.js";

const ROOT = new URL("../..", import.meta.url).pathname;
/** The installed bin, a link to apps/colod/dist/cli.js. */
export const COLOD_BIN = join(ROOT, "node_modules", ".bin", "colod");

/** The command line that runs colod under the current runtime. */
export function colodCommand(args: string[]): [string, string[]] {
  const rt = currentRuntime().name;
  if (rt === "bun") return [join(ROOT, "node_modules", ".bin", "bun"), [COLOD_BIN, ...args]];
  if (rt === "deno") return [join(ROOT, "node_modules", ".bin", "deno"), ["run", "-A", COLOD_BIN, ...args]];
  return ["node", [COLOD_BIN, ...args]];
}

/** Builds the daemon if dist/ is missing (a test run straight after `npm ci`). */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, "apps", "colod", "dist", "cli.js"))) return;
  const r = spawnSync("npx", ["turbo", "run", "build", "--filter=colod..."], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("could not build colod (npx turbo run build)");
}

/** A running colod process with its logs. */
export interface ColodProcess {
  proc: ChildProcess;
  dir: string;
  /** stderr so far: JSON log lines. */
  stderr(): string;
  stdout(): string;
  /** Parsed log lines with the given event name. */
  events(name: string): Record<string, unknown>[];
  /** Resolves when a log line with this event appears. */
  waitEvent(name: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (signal -> 128+n style name). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(sig?: NodeJS.Signals): void;
  cleanup(): Promise<void>;
}

/** A fresh temp dir for sockets (short path: unix sockets are limited to 107 bytes). */
export function socketDir(): string {
  return mkdtempSync(join(tmpdir(), "cd-"));
}

/** Starts `colod <args>` and waits for the "colod.started" log line (or the exit, for start-up errors). */
export async function startColod(
  args: string[],
  opts: { dir?: string; waitStarted?: boolean } = {},
): Promise<ColodProcess> {
  ensureBuilt();
  const dir = opts.dir ?? socketDir();
  const [cmd, argv] = colodCommand(args);
  const proc = spawn(cmd, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let err = "";
  let out = "";
  const listeners: (() => void)[] = [];
  proc.stderr!.on("data", (d: Uint8Array) => {
    err += Buffer.from(d).toString();
    for (const l of listeners.splice(0)) l();
  });
  proc.stdout!.on("data", (d: Uint8Array) => {
    out += Buffer.from(d).toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners.splice(0)) l();
    }),
  );
  const events = (name: string) =>
    err
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((e) => e.event === name);
  let exitedNow = false;
  exited.then(() => {
    exitedNow = true;
  });
  const waitEvent = (name: string, timeoutMs = 15000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const t0 = Date.now();
      const check = () => {
        const hit = events(name)[0];
        if (hit) return resolve(hit);
        if (exitedNow) return reject(new Error(`colod exited before logging ${name}; stderr:\n${err}`));
        if (Date.now() - t0 > timeoutMs)
          return reject(new Error(`no ${name} within ${timeoutMs} ms; stderr:\n${err}`));
        listeners.push(check);
        setTimeout(check, 100);
      };
      check();
    });
  const cp: ColodProcess = {
    proc,
    dir,
    stderr: () => err,
    stdout: () => out,
    events,
    waitEvent,
    exited,
    kill: (sig = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    },
    cleanup: async () => {
      cp.kill("SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.waitStarted !== false) await waitEvent("colod.started");
  return cp;
}

/** colod with QEMU's socket layout for tests: every endpoint a unix server in a fresh directory. */
export interface ColodSockets {
  colod: ColodProcess;
  dir: string;
  /** Path of a socket by role: "pri", "sec", "out", "nfy". */
  sock(name: string): string;
}

/**
 * Starts `colod compare` with primary-in, secondary-in and outdev (and notify-dev when `notify`) as unix servers,
 * plus `extra` options, and waits until it has started.
 */
export async function startColodSockets(
  extra: string[] = [],
  opts: { notify?: boolean; dir?: string } = {},
): Promise<ColodSockets> {
  const dir = opts.dir ?? socketDir();
  const sock = (n: string) => join(dir, `${n}.sock`);
  const server = (n: string) => `unix:${sock(n)},server=on,wait=off`;
  const args = [
    "compare",
    "--primary-in",
    server("pri"),
    "--secondary-in",
    server("sec"),
    "--outdev",
    server("out"),
  ];
  if (opts.notify) args.push("--notify-dev", server("nfy"));
  const colod = await startColod([...args, ...extra], { dir });
  return { colod, dir, sock };
}

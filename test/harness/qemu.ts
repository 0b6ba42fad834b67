// Debian's QEMU 7.2 colo-compare run standalone (`-machine none`, no guest) as a black-box peer: four unix
// socket chardevs and a QMP socket in a fresh temp dir. Only node: modules, so it runs under Node, Bun and Deno.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where Debian's qemu-system-x86 package puts the binary. */
export const QEMU_BINARY = "/usr/bin/qemu-system-x86_64";

const SETUP_SCRIPT = fileURLToPath(new URL("../../scripts/setup-system.sh", import.meta.url));
// Start-up of `-machine none` takes ~100 ms; the margin covers 2 cores shared by several test runs.
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
// A test process killed outright (a hung worker, an outer timeout) cannot stop its QEMU: coreutils `timeout`
// bounds the orphan's life. It relays SIGTERM from stop() to QEMU, sends SIGTERM after this many seconds and
// SIGKILL 5 s later, and reaps QEMU itself (with `-s KILL` it would kill itself first and leave a zombie).
const DEFAULT_MAX_LIFETIME_S = 900;

/** colo-compare properties; omitted ones keep QEMU's defaults (3000 ms, 1000 ms, 1024). */
export interface ColoCompareOptions {
  /** `vnet_hdr_support=on`: every socket (notify input included) carries the vnet_hdr_len word. */
  vnetHdr?: boolean;
  /** Add a notify_dev chardev (the Xen COLO notify protocol). */
  notify?: boolean;
  compareTimeoutMs?: number;
  expiredScanCycleMs?: number;
  maxQueueSize?: number;
  /** Binary to run instead of QEMU_BINARY. */
  binary?: string;
  /** QEMU is killed after this many seconds even if the test process died without stopping it (default 900). */
  maxLifetimeS?: number;
}

/** Socket paths of a running instance. */
export interface ColoComparePaths {
  primary: string;
  secondary: string;
  outdev: string;
  notify?: string;
  qmp: string;
}

/** One reply of QMP (`return` or `error`). */
export type QmpReply = { return: unknown } | { error: { class: string; desc: string } };

/** A running QEMU colo-compare. */
export interface ColoCompare {
  paths: ColoComparePaths;
  /** coreutils `timeout` running QEMU: signals sent to it are relayed to QEMU, its exit is QEMU's. */
  proc: ChildProcess;
  /** Everything QEMU wrote on stderr so far (its error_report and "serious error" lines). */
  stderr(): string;
  /** Exit status once QEMU has exited (e.g. its zero-length-frame abort: signal SIGABRT), else undefined. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Runs one QMP command on a fresh QMP connection. */
  qmp(execute: string, args?: Record<string, unknown>): Promise<QmpReply>;
  /** Resolves once QEMU reports the chardev (`pri`, `sec`, `out`, `nfy`) connected to a client. */
  waitConnected(id: ChardevId, timeoutMs?: number): Promise<void>;
  /** Kills QEMU and removes the temp dir. */
  stop(): Promise<void>;
}

/** Chardev ids used on the command line. */
export type ChardevId = "pri" | "sec" | "out" | "nfy";

/** Installs QEMU through scripts/setup-system.sh when the binary is missing (a fresh machine). */
export function ensureQemu(binary = QEMU_BINARY): void {
  if (existsSync(binary)) return;
  const r = spawnSync("bash", [SETUP_SCRIPT], { stdio: "inherit" });
  if (r.status !== 0 || !existsSync(binary)) {
    throw new Error(
      `QEMU harness: ${binary} is missing and ${SETUP_SCRIPT} could not install it (run it as root)`,
    );
  }
}

/** The colo-compare `-object` value for these options and chardev ids. */
export function coloCompareObject(opts: ColoCompareOptions): string {
  const props = ["colo-compare", "id=c0", "primary_in=pri", "secondary_in=sec", "outdev=out", "iothread=io0"];
  if (opts.notify) props.push("notify_dev=nfy");
  if (opts.vnetHdr) props.push("vnet_hdr_support=on");
  if (opts.compareTimeoutMs !== undefined) props.push(`compare_timeout=${opts.compareTimeoutMs}`);
  if (opts.expiredScanCycleMs !== undefined) props.push(`expired_scan_cycle=${opts.expiredScanCycleMs}`);
  if (opts.maxQueueSize !== undefined) props.push(`max_queue_size=${opts.maxQueueSize}`);
  return props.join(",");
}

function qemuArgs(paths: ColoComparePaths, opts: ColoCompareOptions): string[] {
  const chardev = (id: ChardevId, path: string) => [
    "-chardev",
    `socket,id=${id},path=${path},server=on,wait=off`,
  ];
  return [
    ...["-machine", "none", "-nodefaults", "-display", "none", "-nographic"],
    ...["-object", "iothread,id=io0"],
    ...chardev("pri", paths.primary),
    ...chardev("sec", paths.secondary),
    ...chardev("out", paths.outdev),
    ...(paths.notify ? chardev("nfy", paths.notify) : []),
    ...["-object", coloCompareObject(opts)],
    ...["-qmp", `unix:${paths.qmp},server=on,wait=off`],
  ];
}

/** Starts QEMU colo-compare in a fresh temp dir and resolves once every socket accepts and QMP answers. */
export async function startColoCompare(opts: ColoCompareOptions = {}): Promise<ColoCompare> {
  const binary = opts.binary ?? QEMU_BINARY;
  ensureQemu(binary);
  const dir = mkdtempSync(join(tmpdir(), "colod-qemu-"));
  const paths: ColoComparePaths = {
    primary: join(dir, "pri.sock"),
    secondary: join(dir, "sec.sock"),
    outdev: join(dir, "out.sock"),
    qmp: join(dir, "qmp.sock"),
    ...(opts.notify ? { notify: join(dir, "nfy.sock") } : {}),
  };
  const lifetime = String(opts.maxLifetimeS ?? DEFAULT_MAX_LIFETIME_S);
  const proc = spawn("timeout", ["-k", "5", lifetime, binary, ...qemuArgs(paths, opts)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  // A test file that forgets stop() must not leave QEMU behind when its process exits normally.
  const killOnExit = () => proc.kill("SIGTERM");
  process.once("exit", killOnExit);
  let err = "";
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (s: string) => {
    err += s;
  });
  const exitedP = new Promise<void>((resolve) => {
    proc.on("exit", (code, signal) => {
      exit = { code, signal };
      process.off("exit", killOnExit);
      resolve();
    });
    proc.on("error", (e) => {
      err += `spawn error: ${e.message}\n`;
      exit = { code: null, signal: null };
      resolve();
    });
  });

  const qmp = (execute: string, args?: Record<string, unknown>) => qmpCommand(paths.qmp, execute, args);
  const cc: ColoCompare = {
    paths,
    proc,
    stderr: () => err,
    exited: () => exit,
    qmp,
    waitConnected: (id, timeoutMs = 5_000) => waitChardevConnected(qmp, id, timeoutMs),
    stop: async () => {
      if (!exit) {
        proc.kill("SIGTERM"); // `timeout` relays it to QEMU, which exits at once
        await Promise.race([exitedP, sleep(STOP_TIMEOUT_MS)]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(
      paths,
      () => exit,
      () => err,
    );
  } catch (e) {
    await cc.stop();
    throw e;
  }
  return cc;
}

async function waitReady(paths: ColoComparePaths, exit: () => unknown, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const sockets = [
    paths.primary,
    paths.secondary,
    paths.outdev,
    ...(paths.notify ? [paths.notify] : []),
    paths.qmp,
  ];
  for (const path of sockets) {
    for (;;) {
      if (exit()) throw new Error(`QEMU colo-compare exited during start-up: ${stderr().trim()}`);
      if (existsSync(path) && (await canConnect(path))) break;
      if (Date.now() > deadline)
        throw new Error(`QEMU colo-compare: ${path} did not accept within ${START_TIMEOUT_MS} ms`);
      await sleep(20);
    }
  }
  // The probes above are gone before any test client connects; QMP answering means start-up is complete.
  const r = await qmpCommand(paths.qmp, "qom-get", { path: "/objects/c0", property: "compare_timeout" });
  if ("error" in r) throw new Error(`QEMU colo-compare object c0 is missing: ${r.error.desc}`);
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once("connect", () => {
      s.end();
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitChardevConnected(
  qmp: ColoCompare["qmp"],
  id: ChardevId,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await qmp("query-chardev");
    if ("error" in r) throw new Error(`QMP query-chardev failed: ${r.error.desc}`);
    const dev = (r.return as { label: string; filename: string }[]).find((c) => c.label === id);
    if (!dev) throw new Error(`QEMU has no chardev ${id}`);
    // char-socket names itself "disconnected:unix:..." while no client is attached.
    if (!dev.filename.startsWith("disconnected:")) return;
    if (Date.now() > deadline) throw new Error(`QEMU chardev ${id} not connected after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Opens the QMP socket, negotiates capabilities, runs one command and closes. */
export function qmpCommand(path: string, execute: string, args?: Record<string, unknown>): Promise<QmpReply> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    let buf = "";
    let stage = 0; // 0: greeting, 1: capabilities reply, 2: command reply
    const fail = (e: Error) => {
      s.destroy();
      reject(new Error(`QMP ${execute} on ${path}: ${e.message}`));
    };
    s.setEncoding("utf8");
    s.on("error", fail);
    s.on("close", () => {
      if (stage < 3) fail(new Error("connection closed before the reply"));
    });
    s.on("data", (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ("event" in msg) continue;
        if (stage === 0) s.write(`${JSON.stringify({ execute: "qmp_capabilities" })}\n`);
        else if (stage === 1)
          s.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
        else {
          stage = 3;
          s.end();
          s.destroy();
          resolve(msg as QmpReply);
          return;
        }
        stage++;
      }
    });
  });
}

/** Promise-based delay. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

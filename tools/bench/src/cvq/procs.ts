// The two comparators under test, each a fresh process on its own three unix sockets: Debian's QEMU 7.2
// colo-compare run standalone (as test/harness/qemu.ts does it; copied because tools/bench must not depend
// on the test tree), and the built colod daemon under Node, Bun or Deno (as test/harness/colod.ts does it).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../../..", import.meta.url).pathname;
/** The installed colod bin (a link to apps/colod/dist/cli.js). */
export const COLOD_BIN = join(ROOT, "node_modules", ".bin", "colod");
/** Where Debian's qemu-system-x86 package puts the binary. */
export const QEMU_BINARY = "/usr/bin/qemu-system-x86_64";

/** A runtime colod can run under. */
export type Runtime = "node" | "bun" | "deno";

/** Options both comparators get, with the same values. */
export interface CompareOpts {
  compareTimeoutMs?: number;
  maxQueueSize?: number;
}

/** A running comparator: its sockets and its process. */
export interface Comparator {
  label: string;
  primary: string;
  secondary: string;
  outdev: string;
  proc: ChildProcess;
  stderr(): string;
  /** Waits until the comparator has accepted all three of our connections (QEMU: asked over QMP). */
  connected(): Promise<void>;
  /** SIGKILL (or the given signal) and wait for the exit; removes the socket dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Options for colod's process (profiling flags go before the script). */
export interface ColodSpawn {
  runtime: Runtime;
  bin?: string;
  runtimeFlags?: string[];
}

function spawnLogged(
  cmd: string,
  args: string[],
): { proc: ChildProcess; err: () => string; exited: Promise<void> } {
  const proc = spawn(cmd, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let err = "";
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (s: string) => {
    err += s.length + err.length > 1e5 ? "" : s;
  });
  const exited = new Promise<void>((resolve) => {
    proc.on("exit", () => resolve());
    proc.on("error", (e) => {
      err += `spawn error: ${e.message}\n`;
      resolve();
    });
  });
  return { proc, err: () => err, exited };
}

function stopper(proc: ChildProcess, exited: Promise<void>, dir: string) {
  return async (signal: NodeJS.Signals = "SIGKILL") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await Promise.race([exited, sleep(signal === "SIGKILL" ? 5000 : 20000)]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Starts `colod compare` on three server sockets in a fresh temp dir. */
export async function startColod(opts: CompareOpts, how: ColodSpawn): Promise<Comparator> {
  const dir = mkdtempSync(join(tmpdir(), "cvq-"));
  const [p, s, o] = ["p", "s", "o"].map((n) => join(dir, `${n}.sock`)) as [string, string, string];
  const args = ["compare", "--primary-in", `unix:${p},server=on`, "--secondary-in", `unix:${s},server=on`];
  args.push("--outdev", `unix:${o},server=on`, "--log-level", "warn");
  if (opts.compareTimeoutMs !== undefined) args.push("--compare-timeout", String(opts.compareTimeoutMs));
  if (opts.maxQueueSize !== undefined) args.push("--max-queue-size", String(opts.maxQueueSize));
  const bin = how.bin ?? COLOD_BIN;
  const flags = how.runtimeFlags ?? [];
  const nm = join(ROOT, "node_modules", ".bin");
  const [cmd, argv]: [string, string[]] =
    how.runtime === "bun"
      ? [join(nm, "bun"), [...flags, bin, ...args]]
      : how.runtime === "deno"
        ? [join(nm, "deno"), ["run", "-A", ...flags, bin, ...args]]
        : [process.execPath, [...flags, bin, ...args]];
  const { proc, err, exited } = spawnLogged(cmd, argv);
  const c: Comparator = {
    label: `colod/${how.runtime}`,
    primary: p,
    secondary: s,
    outdev: o,
    proc,
    stderr: err,
    connected: async () => {},
    stop: stopper(proc, exited, dir),
  };
  await waitSockets([p, s, o], proc, err, c.label);
  return c;
}

/** Starts QEMU 7.2 colo-compare (`-machine none`, iothread) on three server sockets and a QMP socket. */
export async function startQemu(opts: CompareOpts, binary = QEMU_BINARY): Promise<Comparator> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run scripts/setup-system.sh as root`);
  const dir = mkdtempSync(join(tmpdir(), "cvq-"));
  const [p, s, o, q] = ["p", "s", "o", "q"].map((n) => join(dir, `${n}.sock`)) as [
    string,
    string,
    string,
    string,
  ];
  const chardev = (id: string, path: string) => [
    "-chardev",
    `socket,id=${id},path=${path},server=on,wait=off`,
  ];
  const obj = ["colo-compare", "id=c0", "primary_in=pri", "secondary_in=sec", "outdev=out", "iothread=io0"];
  if (opts.compareTimeoutMs !== undefined) obj.push(`compare_timeout=${opts.compareTimeoutMs}`);
  if (opts.maxQueueSize !== undefined) obj.push(`max_queue_size=${opts.maxQueueSize}`);
  const args = [
    ...["-machine", "none", "-nodefaults", "-display", "none", "-nographic", "-object", "iothread,id=io0"],
    ...chardev("pri", p),
    ...chardev("sec", s),
    ...chardev("out", o),
    ...["-object", obj.join(","), "-qmp", `unix:${q},server=on,wait=off`],
  ];
  const { proc, err, exited } = spawnLogged(binary, args);
  const c: Comparator = {
    label: "qemu",
    primary: p,
    secondary: s,
    outdev: o,
    proc,
    stderr: err,
    connected: () => qemuConnected(q),
    stop: stopper(proc, exited, dir),
  };
  await waitSockets([p, s, o, q], proc, err, c.label);
  return c;
}

async function waitSockets(
  paths: string[],
  proc: ChildProcess,
  err: () => string,
  label: string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const path of paths) {
    while (!existsSync(path)) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`${label} exited during start-up: ${err().trim()}`);
      }
      if (Date.now() > deadline) throw new Error(`${label}: ${path} did not appear within 30 s`);
      await sleep(20);
    }
  }
}

/** Polls query-chardev until pri, sec and out are all attached to a client. */
async function qemuConnected(qmpPath: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const devs = (await qmp(qmpPath, "query-chardev")) as { label: string; filename: string }[];
    const mine = devs.filter((d) => ["pri", "sec", "out"].includes(d.label));
    if (mine.length === 3 && mine.every((d) => !d.filename.startsWith("disconnected:"))) return;
    if (Date.now() > deadline) throw new Error("QEMU did not see all three connections within 10 s");
    await sleep(10);
  }
}

/** One QMP command on a fresh connection; resolves with its `return` value. */
function qmp(path: string, execute: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    let buf = "";
    let stage = 0;
    s.setEncoding("utf8");
    s.on("error", (e) => reject(new Error(`QMP ${execute} on ${path}: ${e.message}`)));
    s.on("data", (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const msg = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        if ("event" in msg) continue;
        if ("error" in msg) reject(new Error(`QMP ${execute}: ${JSON.stringify(msg.error)}`));
        if (stage === 0) s.write(`${JSON.stringify({ execute: "qmp_capabilities" })}\n`);
        else if (stage === 1) s.write(`${JSON.stringify({ execute })}\n`);
        else {
          s.destroy();
          resolve(msg.return);
          return;
        }
        stage++;
      }
    });
  });
}

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Resident set size now and at its peak (VmRSS, VmHWM), in MiB. */
export function rssMiB(pid: number): { rss: number; peak: number } {
  const st = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(st)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Promise-based delay. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

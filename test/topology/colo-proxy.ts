// The docs/colo-proxy.txt netfilter layout on two guestless QEMU 7.2 processes (`-machine none`), with colod
// in place of the colo-compare object. Each QEMU joins a "guest" stream netdev and a "wire" stream netdev
// (hn0, which plays the tap) with hub 0; the filters sit on hn0 exactly as the doc puts them on the tap.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { QEMU_BINARY, type QmpReply, qmpCommand, sleep } from "../harness/qemu.js";

// `-machine none` starts in ~100 ms; the margin covers 2 cores shared by several test runs.
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Every socket of the topology, in one temp dir. */
export interface ProxyPaths {
  /** Primary "guest" and "wire" (hn0) stream netdev servers: the test writes guest output / client requests there. */
  pGuest: string;
  pWire: string;
  sGuest: string;
  sWire: string;
  /** Primary chardev servers, as in colo-proxy.txt (mirror0 :9003, compare0 :9001, compare_out :9005). */
  mirror0: string;
  compare0: string;
  compareOut: string;
  /** colod's own servers: secondary-in (compare1 :9004 in the doc) and notify-dev. */
  secondaryIn: string;
  notify: string;
  pQmp: string;
  sQmp: string;
}

/** The socket paths of a topology rooted at dir. */
export function proxyPaths(dir: string): ProxyPaths {
  const p = (n: string) => join(dir, `${n}.sock`);
  return {
    pGuest: p("p-guest"),
    pWire: p("p-wire"),
    sGuest: p("s-guest"),
    sWire: p("s-wire"),
    mirror0: p("mirror0"),
    compare0: p("compare0"),
    compareOut: p("compare_out"),
    secondaryIn: p("compare1"),
    notify: p("notify"),
    pQmp: p("p-qmp"),
    sQmp: p("s-qmp"),
  };
}

const COMMON = ["-machine", "none", "-nodefaults", "-display", "none", "-nographic"];

/** A stream netdev server on a unix socket, and a hub 0 port whose peer it is. */
function hubbed(id: string, path: string): string[] {
  return [
    ...["-netdev", `stream,id=${id},server=on,addr.type=unix,addr.path=${path}`],
    ...["-netdev", `hubport,id=hp-${id},hubid=0,netdev=${id}`],
  ];
}

const vnetProp = (vnet: boolean) => (vnet ? ",vnet_hdr_support=on" : "");

/** The primary's command line: colo-proxy.txt's m0, redire0, redire1 on hn0, minus the colo-compare object. */
export function primaryArgs(p: ProxyPaths, vnet: boolean): string[] {
  const v = vnetProp(vnet);
  return [
    ...COMMON,
    ...hubbed("guest", p.pGuest),
    ...hubbed("hn0", p.pWire),
    ...["-chardev", `socket,id=mirror0,path=${p.mirror0},server=on,wait=off`],
    ...["-chardev", `socket,id=compare0,path=${p.compare0},server=on,wait=off`],
    ...["-chardev", `socket,id=compare_out,path=${p.compareOut},server=on,wait=off`],
    ...["-object", `filter-mirror,id=m0,netdev=hn0,queue=tx,outdev=mirror0${v}`],
    ...["-object", `filter-redirector,id=redire0,netdev=hn0,queue=rx,indev=compare_out${v}`],
    ...["-object", `filter-redirector,id=redire1,netdev=hn0,queue=rx,outdev=compare0${v}`],
    ...["-qmp", `unix:${p.pQmp},server=on,wait=off`],
  ];
}

/** The secondary's command line: colo-proxy.txt's f1, f2, f3 on hn0; red1 connects to colod's secondary-in. */
export function secondaryArgs(p: ProxyPaths, vnet: boolean): string[] {
  const v = vnetProp(vnet);
  return [
    ...COMMON,
    ...hubbed("guest", p.sGuest),
    ...hubbed("hn0", p.sWire),
    ...["-chardev", `socket,id=red0,path=${p.mirror0}`],
    ...["-chardev", `socket,id=red1,path=${p.secondaryIn}`],
    ...["-object", `filter-redirector,id=f1,netdev=hn0,queue=tx,indev=red0${v}`],
    ...["-object", `filter-redirector,id=f2,netdev=hn0,queue=rx,outdev=red1${v}`],
    ...["-object", `filter-rewriter,id=f3,netdev=hn0,queue=all${v}`],
    ...["-qmp", `unix:${p.sQmp},server=on,wait=off`],
  ];
}

/** A running guestless QEMU. */
export interface Qemu {
  readonly name: string;
  readonly args: string[];
  readonly proc: ChildProcess;
  stderr(): string;
  qmp(execute: string, args?: Record<string, unknown>): Promise<QmpReply>;
  /** Output of an HMP command (`info network`). */
  hmp(command: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts QEMU (in a network namespace if given) and resolves once QMP answers (the only socket probed). */
export async function startQemu(
  name: string,
  args: string[],
  qmpPath: string,
  netns?: string,
): Promise<Qemu> {
  // `ip netns exec` execs QEMU in place, so the child's pid is QEMU's and killing it kills QEMU.
  const [cmd, argv] = netns ? ["ip", ["netns", "exec", netns, QEMU_BINARY, ...args]] : [QEMU_BINARY, args];
  const proc = spawn(cmd, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  let exited = false;
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (s: string) => {
    err += s;
  });
  const exit = new Promise<void>((resolve) => {
    proc.on("exit", () => resolve());
    proc.on("error", (e) => {
      err += `spawn error: ${e.message}\n`;
      resolve();
    });
  });
  exit.then(() => {
    exited = true;
  });
  const qmp = (execute: string, a?: Record<string, unknown>) => qmpCommand(qmpPath, execute, a);
  const q: Qemu = {
    name,
    args,
    proc,
    stderr: () => err,
    qmp,
    hmp: async (command) => {
      const r = await qmp("human-monitor-command", { "command-line": command });
      if ("error" in r) throw new Error(`${name} QEMU: HMP ${command}: ${r.error.desc}`);
      return String(r.return);
    },
    stop: async () => {
      if (!exited) proc.kill("SIGKILL");
      await Promise.race([exit, sleep(STOP_TIMEOUT_MS)]);
    },
  };
  await waitQmp(q, qmpPath, () => exited);
  return q;
}

// Other sockets are not probed: a redirector indev never reads again after its first client leaves (7.2).
async function waitQmp(q: Qemu, qmpPath: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited()) throw new Error(`${q.name} QEMU exited during start-up: ${q.stderr().trim()}`);
    if (existsSync(qmpPath)) {
      const r = await q.qmp("query-status").catch(() => undefined);
      if (r && "return" in r) return;
    }
    if (Date.now() > deadline) throw new Error(`${q.name} QEMU: no QMP answer within ${START_TIMEOUT_MS} ms`);
    await sleep(20);
  }
}

/** Resolves once `check` is true, polling every 10 ms; the error names what was awaited. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** True once the chardev has a peer (char-socket names itself "disconnected:..." without one). */
export async function chardevConnected(q: Qemu, id: string): Promise<boolean> {
  const r = await q.qmp("query-chardev");
  if ("error" in r) throw new Error(`${q.name} QEMU: query-chardev: ${r.error.desc}`);
  const dev = (r.return as { label: string; filename: string }[]).find((c) => c.label === id);
  if (!dev) throw new Error(`${q.name} QEMU has no chardev ${id}`);
  return !dev.filename.startsWith("disconnected:");
}

/** True once every listed stream netdev has a client: `info network` then shows its peer's address. */
export async function streamsConnected(q: Qemu, ids: readonly string[]): Promise<boolean> {
  const info = await q.hmp("info network");
  return ids.every((id) => new RegExp(`\\b${id}: index=\\d+,type=stream,unix:`).test(info));
}

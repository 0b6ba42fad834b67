// Starts the whole stream-netdev topology of README.md section 1 in start-up order (primary QEMU, relays,
// colod, secondary QEMU, the test's own clients) and tears it down again.
import { join } from "node:path";
import { type ColodProcess, socketDir, startColod } from "../harness/colod.js";
import { FramedClient, type FramedClientOptions } from "../harness/framed-client.js";
import { ensureQemu, sleep } from "../harness/qemu.js";
import { ByteTap } from "./byte-tap.js";
import {
  chardevConnected,
  type ProxyPaths,
  primaryArgs,
  proxyPaths,
  type Qemu,
  secondaryArgs,
  startQemu,
  streamsConnected,
  until,
} from "./colo-proxy.js";

const CONNECT_TIMEOUT_MS = 5_000;

/** Stream netdevs frame `len | payload` and never carry a vnet word, whatever the filters do. */
const STREAM = { vnetHdr: false } as const;

/** How to run the topology. */
export interface RigOptions {
  vnet: boolean;
  /** Extra colod arguments. */
  colodArgs?: string[];
  /** Endpoint options appended to colod's client endpoints (primary-in, outdev), e.g. ",reconnect=1". */
  clientOpts?: string;
}

/** A running topology; the test's clients are the guests, the wires and the COLO frame. */
export interface Rig {
  paths: ProxyPaths;
  primary: Qemu;
  secondary: Qemu;
  colod: ColodProcess;
  /** Recording relays: colod primary-in <-> compare0, colod outdev <-> compare_out. */
  pri: ByteTap;
  out: ByteTap;
  pGuest: FramedClient;
  pWire: FramedClient;
  sGuest: FramedClient;
  sWire: FramedClient;
  nfy: FramedClient;
}

/** The parts started so far, for a teardown that also works after a failed start. */
interface Parts {
  qemus: Qemu[];
  colod?: ColodProcess;
  taps: ByteTap[];
  clients: FramedClient[];
}

/** Starts everything; `stop()` tears down whatever was started, even after a failure. */
export function createRig(opts: RigOptions): { start(): Promise<Rig>; stop(): Promise<void> } {
  const parts: Parts = { qemus: [], taps: [], clients: [] };
  return {
    start: () => start(opts, parts),
    stop: async () => {
      await Promise.all(parts.clients.map((c) => c.close()));
      await Promise.all([...parts.qemus.map((q) => q.stop()), parts.colod?.cleanup()]);
      await Promise.all(parts.taps.map((t) => t.close()));
    },
  };
}

async function start(opts: RigOptions, parts: Parts): Promise<Rig> {
  ensureQemu();
  const dir = socketDir();
  const paths = proxyPaths(dir);
  // "Primary COLO must be started firstly": its chardev servers must exist before anyone connects.
  const primary = await startQemu("primary", primaryArgs(paths, opts.vnet), paths.pQmp);
  parts.qemus.push(primary);
  const pri = await ByteTap.listen(join(dir, "tap-pri.sock"), paths.compare0);
  parts.taps.push(pri);
  const out = await ByteTap.listen(join(dir, "tap-out.sock"), paths.compareOut);
  parts.taps.push(out);
  const co = opts.clientOpts ?? "";
  const colod = await startColod(
    [
      "compare",
      ...["--primary-in", `unix:${pri.path}${co}`],
      ...["--secondary-in", `unix:${paths.secondaryIn},server=on,wait=off`],
      ...["--outdev", `unix:${out.path}${co}`],
      ...["--notify-dev", `unix:${paths.notify},server=on,wait=off`],
      // Long enough that only a checkpoint, never the timer, releases a held frame here.
      ...["--compare-timeout", "60000"],
      ...(opts.vnet ? ["--vnet-hdr-support"] : []),
      ...(opts.colodArgs ?? []),
    ],
    { dir },
  );
  parts.colod = colod;
  await until(
    "colod on compare0 and compare_out",
    async () =>
      (await chardevConnected(primary, "compare0")) && (await chardevConnected(primary, "compare_out")),
  );
  const secondary = await startQemu("secondary", secondaryArgs(paths, opts.vnet), paths.sQmp);
  parts.qemus.push(secondary);
  await until("secondary red0 on mirror0", () => chardevConnected(primary, "mirror0"));
  const c = async (path: string, o: FramedClientOptions) => {
    const x = await connectWhenListening(path, o);
    parts.clients.push(x);
    return x;
  };
  const rig: Rig = {
    paths,
    primary,
    secondary,
    colod,
    pri,
    out,
    pGuest: await c(paths.pGuest, STREAM),
    pWire: await c(paths.pWire, STREAM),
    sGuest: await c(paths.sGuest, STREAM),
    sWire: await c(paths.sWire, STREAM),
    // The COLO frame's side of notify_dev: the vnet word toward colod only (QEMU's asymmetry).
    nfy: await c(paths.notify, { vnetHdr: opts.vnet, rxVnetHdr: false }),
  };
  await until(
    "the stream netdevs' clients",
    async () =>
      (await streamsConnected(primary, ["guest", "hn0"])) &&
      (await streamsConnected(secondary, ["guest", "hn0"])),
  );
  return rig;
}

// QEMU 7.2 opens a stream netdev's listening socket in a background thread, possibly after QMP answers.
async function connectWhenListening(path: string, opts: FramedClientOptions): Promise<FramedClient> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    try {
      return await FramedClient.connect(path, opts);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(20);
    }
  }
}

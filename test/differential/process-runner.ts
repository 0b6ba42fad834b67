// The colod daemon as a differential peer: `colod compare` run as a process under the test's own runtime, with
// QEMU's socket layout (four unix server sockets) and the option set's colo-compare options as flags.
import { join } from "node:path";
import { type ColodProcess, socketDir, startColod } from "../harness/colod.js";
import { sleep } from "../harness/qemu.js";
import { type OptionSet, setOptions } from "./scenario.js";
import { type ExitStatus, type Peer, SocketRunner } from "./socket-runner.js";

// Start-up and connection logging take a few hundred ms; the margin covers 2 cores shared by several runs.
const CONNECT_WAIT_MS = 15_000;
// SIGTERM releases what is held and exits; after this the process is killed.
const STOP_WAIT_MS = 5_000;
/** colod's channel names, as its `channel.connected` log lines give them. */
const CHANNELS = ["primary-in", "secondary-in", "outdev", "notify-dev"];

/** The colod process behind a runner, for checks on its logs and its exit. */
export interface ColodPeer extends Peer {
  readonly colod: ColodProcess;
  /** Sends SIGTERM and resolves with the exit status (the process is killed if it does not exit in time). */
  terminate(): Promise<ExitStatus | undefined>;
}

/** `colod compare` arguments for an option set, every socket a server as QEMU's chardevs are. */
export function colodCompareArgs(set: OptionSet, paths: Peer["paths"]): string[] {
  const o = setOptions(set);
  const ep = (path: string) => `unix:${path},server=on,wait=off`;
  return [
    "compare",
    ...["--primary-in", ep(paths.primary)],
    ...["--secondary-in", ep(paths.secondary)],
    ...["--outdev", ep(paths.outdev)],
    ...["--notify-dev", ep(paths.notify)],
    ...(o.compareTimeoutMs === undefined ? [] : ["--compare-timeout", String(o.compareTimeoutMs)]),
    ...(o.expiredScanCycleMs === undefined ? [] : ["--expired-scan-cycle", String(o.expiredScanCycleMs)]),
    ...(o.maxQueueSize === undefined ? [] : ["--max-queue-size", String(o.maxQueueSize)]),
    ...(o.vnetHdr ? ["--vnet-hdr-support"] : []),
  ];
}

/** Starts colod with the set's options and connects a client to each of its four sockets. */
export async function startProcessRunner(set: OptionSet): Promise<SocketRunner<ColodPeer>> {
  const dir = socketDir();
  const paths = {
    primary: join(dir, "pri.sock"),
    secondary: join(dir, "sec.sock"),
    outdev: join(dir, "out.sock"),
    notify: join(dir, "nfy.sock"),
  };
  const colod = await startColod(colodCompareArgs(set, paths), { dir });
  // A test file that dies without stop() must not leave the daemon behind (QEMU's harness does the same).
  const killOnExit = () => colod.kill("SIGKILL");
  process.once("exit", killOnExit);
  let status: ExitStatus | undefined;
  colod.exited.then((s) => {
    status = s;
    process.off("exit", killOnExit);
  });
  const peer: ColodPeer = {
    name: "colod",
    paths,
    colod,
    exited: () => status,
    waitConnected: () => waitChannels(colod, () => status),
    terminate: async () => {
      colod.kill("SIGTERM");
      await Promise.race([colod.exited, sleep(STOP_WAIT_MS)]);
      return status;
    },
    stop: () => colod.cleanup(),
  };
  return SocketRunner.connect(peer, setOptions(set).vnetHdr ?? false);
}

/** Waits for a `channel.connected` log line for each of colod's four channels. */
async function waitChannels(colod: ColodProcess, exited: () => ExitStatus | undefined): Promise<void> {
  const deadline = Date.now() + CONNECT_WAIT_MS;
  for (;;) {
    const seen = new Set(colod.events("channel.connected").map((e) => e.channel));
    const missing = CHANNELS.filter((c) => !seen.has(c));
    if (missing.length === 0) return;
    if (exited()) throw new Error(`colod exited before connecting; stderr:\n${colod.stderr()}`);
    if (Date.now() > deadline)
      throw new Error(
        `colod logged no channel.connected for ${missing.join(", ")} within ${CONNECT_WAIT_MS} ms`,
      );
    await sleep(20);
  }
}

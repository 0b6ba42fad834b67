// QEMU 7.2's colo-compare as a differential peer: one `-machine none` QEMU per option set, with notify_dev.
import { startColoCompare } from "../harness/qemu.js";
import { type OptionSet, setOptions } from "./scenario.js";
import { type Peer, SocketRunner } from "./socket-runner.js";

const CHARDEVS = ["pri", "sec", "out", "nfy"] as const;

// QEMU's QMP socket serves one client at a time; a QMP connection made just after another one closed was seen
// reset (ECONNRESET, under Bun with both cores busy). That is start-up plumbing, not colo-compare behaviour.
const START_ATTEMPTS = 2;

/** Starts QEMU with the set's options and connects a client to each of its four chardevs. */
export async function startQemuRunner(set: OptionSet): Promise<SocketRunner> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(set);
    } catch (e) {
      // A failed start has stopped its QEMU; only a QMP failure is worth another try.
      if (attempt >= START_ATTEMPTS || !(e as Error).message.startsWith("QMP ")) throw e;
    }
  }
}

async function startOnce(set: OptionSet): Promise<SocketRunner> {
  const opts = setOptions(set);
  const cc = await startColoCompare({ ...opts, notify: true });
  const peer: Peer = {
    name: "QEMU",
    paths: { ...cc.paths, notify: cc.paths.notify! },
    exited: () => cc.exited(),
    waitConnected: async () => {
      for (const id of CHARDEVS) await cc.waitConnected(id);
    },
    stop: () => cc.stop(),
  };
  return SocketRunner.connect(peer, opts.vnetHdr ?? false);
}

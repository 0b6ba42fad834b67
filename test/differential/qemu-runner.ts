// Runs scenarios through a real QEMU 7.2 colo-compare over its unix sockets and records outdev and notify_dev.
import { encode, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { FramedClient } from "../harness/framed-client.js";
import { type ColoCompare, sleep, startColoCompare } from "../harness/qemu.js";
import { type BuiltFrame, type BuiltStep, type Observed, OPTION_SETS, type OptionSet } from "./scenario.js";

// QEMU handles each input socket in its own event source: a pause when the input changes keeps the order
// the scenario states (writes on one socket keep their order without it).
const SWITCH_GAP_MS = 25;
// Quiet time after the steps and after the final checkpoint: QEMU emits within a millisecond or two.
const SETTLE_MS = 120;

/** One QEMU colo-compare (one option set) with a client on each of its sockets. */
export class QemuRunner {
  private constructor(
    readonly cc: ColoCompare,
    private readonly vnetHdr: boolean,
    private readonly pri: FramedClient,
    private readonly sec: FramedClient,
    private readonly out: FramedClient,
    private readonly nfy: FramedClient,
  ) {}

  /** Starts QEMU with the set's options and connects to all four chardevs. */
  static async start(set: OptionSet): Promise<QemuRunner> {
    const opts = OPTION_SETS[set] as { vnetHdr?: boolean };
    const cc = await startColoCompare({ ...OPTION_SETS[set], notify: true });
    const vnetHdr = opts.vnetHdr ?? false;
    try {
      const [pri, sec, out, nfy] = await Promise.all([
        FramedClient.connect(cc.paths.primary, { vnetHdr }),
        FramedClient.connect(cc.paths.secondary, { vnetHdr }),
        FramedClient.connect(cc.paths.outdev, { vnetHdr }),
        FramedClient.connect(cc.paths.notify!, { vnetHdr, rxVnetHdr: false }),
      ]);
      for (const id of ["pri", "sec", "out", "nfy"] as const) await cc.waitConnected(id);
      return new QemuRunner(cc, vnetHdr, pri, sec, out, nfy);
    } catch (e) {
      await cc.stop();
      throw e;
    }
  }

  /** Plays the steps, waits, sends the final COLO_CHECKPOINT and returns everything QEMU emitted. */
  async run(steps: BuiltStep[]): Promise<Observed> {
    await this.play(steps);
    await sleep(SETTLE_MS);
    const out = this.out.drain();
    if (!this.cc.exited()) await this.notify("COLO_CHECKPOINT");
    await sleep(SETTLE_MS);
    const flushed = this.out.drain();
    const notify = this.nfy
      .drain()
      .map((f) => parseNotify(f.payload) ?? `?${Buffer.from(f.payload).toString("hex")}`);
    return { out, flushed, notify, aborted: this.cc.exited() !== undefined };
  }

  /** Closes the clients and stops QEMU. */
  async stop(): Promise<void> {
    await Promise.all([this.pri, this.sec, this.out, this.nfy].map((c) => c.close()));
    await this.cc.stop();
  }

  private async play(steps: BuiltStep[]): Promise<void> {
    let prev: string | undefined;
    for (let i = 0; i < steps.length; ) {
      const st = steps[i]!;
      const kind = "side" in st ? st.side : "to" in st ? st.to : "notify" in st ? "n" : "w";
      if (prev !== undefined && kind !== prev) await sleep(SWITCH_GAP_MS);
      prev = kind;
      if ("wait" in st) {
        await sleep(st.wait);
        i++;
      } else if ("notify" in st) {
        await this.notify(st.notify);
        i++;
      } else if ("to" in st) {
        await this.write(st.to === "p" ? this.pri : this.sec, st.wire);
        i++;
      } else {
        // Consecutive frames for one input go out in one write (the table-wipe scenario has 16k of them).
        let j = i;
        while (j < steps.length && "side" in steps[j]! && (steps[j] as BuiltFrame).side === st.side) j++;
        await this.sendFrames(steps.slice(i, j) as BuiltFrame[]);
        i = j;
      }
    }
  }

  private sendFrames(frames: BuiltFrame[]): Promise<void> {
    const client = frames[0]!.side === "p" ? this.pri : this.sec;
    const parts = frames.map((f) => encode(f.bytes, f.vnetWord, { vnetHdr: this.vnetHdr }));
    return this.write(client, Buffer.concat(parts));
  }

  /** Writes, ignoring the failure of a write to a QEMU that has already died (it is recorded as aborted). */
  private async write(client: FramedClient, bytes: Uint8Array): Promise<void> {
    try {
      await client.write(bytes);
    } catch (e) {
      if (!this.cc.exited() && !client.closed) throw e;
    }
  }

  private notify(msg: "COLO_CHECKPOINT" | "COLO_USERSPACE_PROXY_INIT"): Promise<void> {
    // QEMU reads notify_dev with the vnet word when vnet_hdr_support is on (and writes it without).
    return this.write(this.nfy, encode(notifyPayload(NotifyMessage[msg]), 0, { vnetHdr: this.vnetHdr }));
  }
}

// Runs scenarios through colod's own pieces, wired as the daemon wires them: framed bytes through @colod/wire's
// FrameDecoder into @colod/compare, checkpoint requests through @colod/notify's coalescing Notifier to its
// notify_dev sink on a real unix socket, where a test client plays the COLO frame (as it does against QEMU).
// The engine's clock is virtual: it moves only with the scenario's waits, with scan() every expired_scan_cycle.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Comparator } from "@colod/compare";
import { Notifier, notifyDevSink } from "@colod/notify";
import { encode, FrameDecoder, NotifyMessage, notifyPayload, parseEndpoint, parseNotify } from "@colod/wire";
import { FramedClient } from "../harness/framed-client.js";
import { sleep } from "../harness/qemu.js";
import {
  type BuiltStep,
  type NotifyIn,
  type Observed,
  OPTION_SETS,
  type OptionSet,
  type SeenFrame,
} from "./scenario.js";

const NOTIFY_WAIT_MS = 3_000;
// Time for a notify frame colod did not announce (a bug) to show up before the run is summarised.
const QUIET_MS = 20;

type SetOptions = {
  vnetHdr?: boolean;
  compareTimeoutMs?: number;
  expiredScanCycleMs?: number;
  maxQueueSize?: number;
};

/** colod's comparator + notifier for one option set, with the notify_dev socket kept across scenarios. */
export class ColodRunner {
  private now = 0;
  private cmp: Comparator | undefined;
  private notifier: Notifier | undefined;
  private checkpointed: (() => void) | undefined;

  private constructor(
    private readonly opts: SetOptions,
    private readonly sink: ReturnType<typeof notifyDevSink>,
    private readonly frame: FramedClient,
    private readonly dir: string,
  ) {}

  /** Opens colod's notify_dev (server) in a temp dir and connects the COLO-frame client to it. */
  static async start(set: OptionSet): Promise<ColodRunner> {
    const opts: SetOptions = OPTION_SETS[set];
    const vnetHdr = opts.vnetHdr ?? false;
    const dir = mkdtempSync(join(tmpdir(), "colod-diff-"));
    const path = join(dir, "notify.sock");
    const ref: { runner?: ColodRunner } = {};
    const sink = notifyDevSink({
      endpoint: parseEndpoint(`unix:${path},server=on,wait=off`),
      vnetHdr,
      onCheckpoint: () => ref.runner?.onCheckpoint(),
    });
    try {
      await sink.channel.listening;
      // The COLO frame's side: writes with the vnet word when vnet_hdr_support is on, reads without it.
      const frame = await FramedClient.connect(path, { vnetHdr, rxVnetHdr: false });
      await sink.channel.ready();
      ref.runner = new ColodRunner(opts, sink, frame, dir);
      return ref.runner;
    } catch (e) {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Plays the steps through a fresh Comparator and Notifier, then checkpoints; returns outputs and notify traffic. */
  async run(steps: BuiltStep[]): Promise<Observed> {
    const vnetHdr = this.opts.vnetHdr ?? false;
    const cycle = this.opts.expiredScanCycleMs ?? 1000;
    const released: SeenFrame[] = [];
    const before = { sent: this.sink.stats.requestsSent, replies: this.sink.stats.handshakes };
    this.now = 0;
    const notifier = new Notifier({ holdMs: cycle, now: () => this.now, sinks: [this.sink] });
    const cmp = new Comparator(this.compareOptions(cycle), {
      release: (frame, vnetHdrLen) => released.push({ payload: new Uint8Array(frame), vnetHdrLen }),
      checkpointRequest: (reason) => notifier.request(reason),
    });
    this.cmp = cmp;
    this.notifier = notifier;
    const decoder = (push: (f: Uint8Array, v: number) => void) =>
      new FrameDecoder({ vnetHdr, onFrame: push });
    const input = {
      p: decoder((f, v) => cmp.pushPrimary(f, v)),
      s: decoder((f, v) => cmp.pushSecondary(f, v)),
    };
    let nextScan = cycle;
    for (const st of steps) {
      if ("side" in st) input[st.side].push(encode(st.bytes, st.vnetWord, { vnetHdr }));
      else if ("to" in st) input[st.to].push(st.wire);
      else if ("notify" in st) await this.notify(st.notify);
      else {
        const end = this.now + st.wait;
        for (; nextScan <= end; nextScan += cycle) {
          this.now = nextScan;
          cmp.scan();
        }
        this.now = end;
      }
    }
    const out = released.splice(0);
    await this.notify("COLO_CHECKPOINT");
    const flushed = released.splice(0);
    const expected =
      this.sink.stats.requestsSent - before.sent + (this.sink.stats.handshakes - before.replies);
    const frames = [
      ...(await this.frame.waitFrames(expected, NOTIFY_WAIT_MS)),
      ...(await this.frame.collect(QUIET_MS)),
    ];
    const notify = frames.map((f) => parseNotify(f.payload) ?? `?${Buffer.from(f.payload).toString("hex")}`);
    return { out, flushed, notify, aborted: false };
  }

  /** Closes the client and colod's notify_dev. */
  async stop(): Promise<void> {
    await this.frame.close();
    await this.sink.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private compareOptions(cycle: number) {
    const o = this.opts;
    return {
      ...(o.compareTimeoutMs === undefined ? {} : { compareTimeoutMs: o.compareTimeoutMs }),
      ...(o.maxQueueSize === undefined ? {} : { maxQueueSize: o.maxQueueSize }),
      expiredScanCycleMs: cycle,
      now: () => this.now,
    };
  }

  /** What the daemon does on COLO_CHECKPOINT: flush the engine, tell the notifier. */
  private onCheckpoint(): void {
    this.cmp?.checkpoint();
    this.notifier?.checkpointDone();
    this.checkpointed?.();
  }

  /** Sends a COLO-frame message over the socket and waits until colod has handled it. */
  private async notify(msg: NotifyIn): Promise<void> {
    const payload = notifyPayload(NotifyMessage[msg]);
    if (msg === "COLO_CHECKPOINT") {
      const done = new Promise<void>((resolve) => {
        this.checkpointed = resolve;
      });
      await this.frame.send(payload, 0);
      await withTimeout(done, `colod did not handle ${msg}`);
      this.checkpointed = undefined;
      return;
    }
    const handshakes = this.sink.stats.handshakes;
    await this.frame.send(payload, 0);
    const deadline = Date.now() + NOTIFY_WAIT_MS;
    while (this.sink.stats.handshakes === handshakes) {
      if (Date.now() > deadline) throw new Error(`colod did not handle ${msg}`);
      await sleep(2);
    }
  }
}

function withTimeout(p: Promise<void>, message: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), NOTIFY_WAIT_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

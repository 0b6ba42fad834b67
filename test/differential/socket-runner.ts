// Runs scenarios through a comparator peer with colo-compare's four unix sockets (QEMU 7.2, or the colod
// process) and records outdev and notify_dev.
//
// Both peers poll their three inputs as separate event sources, so bytes written to two sockets may be handled
// in either order, and under CPU load a fixed pause does not fix that. Every change of input is therefore
// followed by a barrier that the peer itself confirms:
// - primary: a marker (an ARP frame, forwarded at once) comes back on outdev;
// - secondary: a probe pair on a connection of its own (primary copy, then secondary copy) is released;
// - notify_dev: a COLO_USERSPACE_PROXY_INIT is answered.
// Harness frames and answers are removed from what the run reports.
import { buildArp, buildFrame } from "@colod/packet";
import { encode, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { FramedClient, type ReceivedFrame } from "../harness/framed-client.js";
import { sleep } from "../harness/qemu.js";
import type { BuiltFrame, BuiltStep, NotifyIn, Observed } from "./scenario.js";

// How long a barrier may take; a peer answers within a millisecond or two when it gets the CPU.
const BARRIER_WAIT_MS = 10_000;
// Waiting in short slices notices a peer that died (QEMU's zero-length abort) quickly.
const SLICE_MS = 100;
// Notify frames the peer wrote before the last barrier: time for our side to read that other socket.
const NOTIFY_SETTLE_MS = 10;
const GET_XEN_INIT = NotifyMessage.COLO_COMPARE_GET_XEN_INIT;

type Input = "p" | "s" | "n";

/** How a peer ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A comparator under test, serving colo-compare's four unix sockets. */
export interface Peer {
  /** Names the peer in error messages ("QEMU", "colod"). */
  readonly name: string;
  readonly paths: { primary: string; secondary: string; outdev: string; notify: string };
  /** The exit status once the peer has exited, else undefined. */
  exited(): ExitStatus | undefined;
  /** Resolves once the peer reports all four sockets connected to our clients. */
  waitConnected(): Promise<void>;
  /** Stops the peer and removes its files. */
  stop(): Promise<void>;
}

/** One peer (one option set) with a client on each of its sockets. */
export class SocketRunner<P extends Peer = Peer> {
  private barriers = 0;
  /** Outdev frames of the current phase, harness frames removed. */
  private seen: ReceivedFrame[] = [];
  /** Notify messages of the current run, barrier answers removed. */
  private notes: string[] = [];

  private constructor(
    readonly peer: P,
    private readonly vnetHdr: boolean,
    private readonly pri: FramedClient,
    private readonly sec: FramedClient,
    private readonly out: FramedClient,
    private readonly nfy: FramedClient,
  ) {}

  /** Connects to all four sockets of a started peer; stops the peer if that fails. */
  static async connect<P extends Peer>(peer: P, vnetHdr: boolean): Promise<SocketRunner<P>> {
    const clients: FramedClient[] = [];
    const open = async (path: string, rxVnetHdr = vnetHdr) => {
      const c = await FramedClient.connect(path, { vnetHdr, rxVnetHdr });
      clients.push(c);
      return c;
    };
    try {
      const { paths } = peer;
      const [pri, sec, out, nfy] = await Promise.all([
        open(paths.primary),
        open(paths.secondary),
        open(paths.outdev),
        // The notify output carries no vnet word, whatever the input framing (QEMU's asymmetry).
        open(paths.notify, false),
      ]);
      await peer.waitConnected();
      return new SocketRunner(peer, vnetHdr, pri, sec, out, nfy);
    } catch (e) {
      await Promise.all(clients.map((c) => c.close()));
      await peer.stop();
      throw e;
    }
  }

  /** Plays the steps, sends the final COLO_CHECKPOINT and returns everything the peer emitted. */
  async run(steps: BuiltStep[]): Promise<Observed> {
    this.seen = [];
    this.notes = [];
    const last = await this.play(steps);
    if (last !== undefined && last !== "p") await this.barrier(last);
    await this.barrier("p");
    const out = this.seen.splice(0);
    await this.notify("COLO_CHECKPOINT");
    await this.barrier("n");
    await this.barrier("p");
    const flushed = this.seen.splice(0);
    await sleep(NOTIFY_SETTLE_MS);
    this.note(this.nfy.drain());
    return { out, flushed, notify: this.notes, aborted: this.peer.exited() !== undefined };
  }

  /** Closes the clients and stops the peer. */
  async stop(): Promise<void> {
    await Promise.all([this.pri, this.sec, this.out, this.nfy].map((c) => c.close()));
    await this.peer.stop();
  }

  /** Plays the steps with a barrier at every change of input; returns the last input used. */
  private async play(steps: BuiltStep[]): Promise<Input | undefined> {
    let prev: Input | undefined;
    for (let i = 0; i < steps.length; ) {
      const st = steps[i]!;
      const input: Input | undefined =
        "side" in st ? st.side : "to" in st ? st.to : "notify" in st ? "n" : undefined;
      if (prev !== undefined && input !== prev) {
        await this.barrier(prev);
        prev = undefined;
      }
      if ("wait" in st) {
        await sleep(st.wait);
        i++;
        continue;
      }
      prev = input;
      if ("notify" in st) {
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
    return prev;
  }

  /** Returns once the peer has handled everything written so far on `input`. */
  private async barrier(input: Input): Promise<void> {
    if (this.peer.exited()) return;
    const n = ++this.barriers;
    if (input === "n") {
      await this.notify("COLO_USERSPACE_PROXY_INIT");
      await this.until(
        this.nfy,
        (f) => parseNotify(f.payload) === GET_XEN_INIT,
        (fs) => this.note(fs),
      );
      return;
    }
    if (input === "p") {
      const marker = buildArp({
        senderIp: "10.255.255.254",
        targetIp: `10.255.${(n >> 8) & 0xff}.${n & 0xff}`,
      });
      await this.write(this.pri, encode(marker, 0, { vnetHdr: this.vnetHdr }));
      await this.until(
        this.out,
        (f) => sameFrame(f, marker),
        (fs) => this.seen.push(...fs),
      );
      return;
    }
    // A UDP pair of its own: its release proves the peer handled every secondary frame written before it.
    const probe = buildFrame({
      src: "10.254.0.1",
      dst: "10.254.0.2",
      sport: 9,
      dport: 9,
      payload: `probe ${n}`,
    });
    await this.write(this.pri, encode(probe, 0, { vnetHdr: this.vnetHdr }));
    await this.write(this.sec, encode(probe, 0, { vnetHdr: this.vnetHdr }));
    await this.until(
      this.out,
      (f) => sameFrame(f, probe),
      (fs) => this.seen.push(...fs),
    );
  }

  /** Reads `c` until `isMark` matches (that frame is dropped); everything before it goes to `keep`. */
  private async until(
    c: FramedClient,
    isMark: (f: ReceivedFrame) => boolean,
    keep: (frames: ReceivedFrame[]) => void,
  ): Promise<void> {
    const deadline = Date.now() + BARRIER_WAIT_MS;
    for (;;) {
      if (this.peer.exited()) return keep(c.drain());
      if (Date.now() > deadline)
        throw new Error(`${this.peer.name} did not confirm a barrier within ${BARRIER_WAIT_MS} ms`);
      const [f] = await c.waitFrames(1, SLICE_MS).catch(() => []);
      if (!f) continue;
      if (isMark(f)) return;
      keep([f]);
    }
  }

  private note(frames: ReceivedFrame[]): void {
    for (const f of frames)
      this.notes.push(parseNotify(f.payload) ?? `?${Buffer.from(f.payload).toString("hex")}`);
  }

  private sendFrames(frames: BuiltFrame[]): Promise<void> {
    const client = frames[0]!.side === "p" ? this.pri : this.sec;
    const parts = frames.map((f) => encode(f.bytes, f.vnetWord, { vnetHdr: this.vnetHdr }));
    return this.write(client, Buffer.concat(parts));
  }

  /** Writes, ignoring the failure of a write to a peer that has already died (it is recorded as aborted). */
  private async write(client: FramedClient, bytes: Uint8Array): Promise<void> {
    try {
      await client.write(bytes);
    } catch (e) {
      // EPIPE can come before the runtime has reported the peer's exit: give that report a moment.
      for (let i = 0; i < 50 && !this.peer.exited(); i++) await sleep(SLICE_MS / 5);
      if (!this.peer.exited()) throw e;
    }
  }

  private notify(msg: NotifyIn): Promise<void> {
    // notify_dev is read with the vnet word when vnet_hdr_support is on (and written without), QEMU and colod.
    return this.write(this.nfy, encode(notifyPayload(NotifyMessage[msg]), 0, { vnetHdr: this.vnetHdr }));
  }
}

function sameFrame(f: ReceivedFrame, bytes: Uint8Array): boolean {
  return (
    f.vnetHdrLen === 0 &&
    Buffer.from(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength).equals(bytes)
  );
}

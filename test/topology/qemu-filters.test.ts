// colod in the colo-proxy.txt topology, driven by QEMU 7.2's own filter-mirror / filter-redirector /
// filter-rewriter on two guestless QEMUs (see README.md for the diagram and the command lines). The test
// plays both guests and the outside network through stream netdevs joined to hn0 by a hub.
import { join } from "node:path";
import { buildFrame, TcpFlag } from "@colod/packet";
import { encode, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
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

// Nothing within this window means nothing was emitted (each hop forwards within a few milliseconds).
const QUIET_MS = 300;
const WAIT_MS = 5_000;

const modes = [
  { name: "plain framing", vnet: false },
  { name: "vnet_hdr_support on every object and colod", vnet: true },
];

/** Stream netdevs frame `len | payload` and never carry a vnet word, whatever the filters do. */
const STREAM = { vnetHdr: false } as const;

// An ARP request (not IPv4, so colod releases it at once): broadcast dst, src MAC, EtherType 0x0806, 28 bytes.
const ARP_REQUEST = Uint8Array.from([
  ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06],
  ...[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], // Ethernet/IPv4, request
  ...[0x52, 0x54, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 2], // sender MAC, IP
  ...[0, 0, 0, 0, 0, 0, 10, 0, 0, 9], // target MAC (unknown), IP
]);

/** One guest-output frame and the connection it belongs to (order is only promised per connection). */
interface Sent {
  flow: string;
  frame: Uint8Array;
}

/** A mix of flows: two UDP, an ordered TCP stream, ICMP, and a frame colod does not parse (ARP). */
function guestOutput(tag: string): Sent[] {
  const tcp = (i: number, payload: string): Sent => ({
    flow: "tcp 80",
    frame: buildFrame({
      proto: "tcp",
      sport: 80,
      dport: 40000,
      seq: 5000 + i * 100,
      ack: 77,
      flags: TcpFlag.ACK | TcpFlag.PSH,
      payload: payload.padEnd(100, "."),
    }),
  });
  const udp = (sport: number, ipId: number, payload: string): Sent => ({
    flow: `udp ${sport}`,
    frame: buildFrame({ proto: "udp", sport, dport: 3333, ipId, payload }),
  });
  return [
    udp(53, 1, `dns answer 1 ${tag}`),
    tcp(0, `HTTP/1.1 200 OK ${tag}`),
    tcp(1, `body part 1 ${tag}`),
    { flow: "icmp", frame: buildFrame({ proto: "icmp", sport: 9, dport: 1, payload: `echo reply ${tag}` }) },
    udp(53, 2, `dns answer 2 ${tag}`),
    tcp(2, `body part 2 ${tag}`),
    { flow: "arp", frame: ARP_REQUEST },
    udp(123, 3, `ntp ${tag}`),
  ];
}

/** Indexes into `sent` of each received frame, in arrival order (-1: not a frame that was sent). */
function arrivalOrder(sent: Sent[], got: Uint8Array[]): number[] {
  const keys = sent.map((s) => Buffer.from(s.frame).toString("hex"));
  return got.map((g) => keys.indexOf(Buffer.from(g).toString("hex")));
}

/** What a socket carries for these frames under the given framing. */
const framed = (frames: Uint8Array[], vnet: boolean) =>
  Buffer.concat(frames.map((f) => encode(f, 0, { vnetHdr: vnet })));

// QEMU 7.2 opens a stream netdev's listening socket in a background thread, possibly after QMP answers.
async function connectWhenListening(path: string, opts: FramedClientOptions): Promise<FramedClient> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await FramedClient.connect(path, opts);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(20);
    }
  }
}

describe.each(modes)("QEMU 7.2 filters -> colod -> QEMU 7.2 filters, $name", ({ vnet }) => {
  let dir: string;
  let p: ProxyPaths;
  let primary: Qemu | undefined;
  let secondary: Qemu | undefined;
  let colod: ColodProcess | undefined;
  const taps: ByteTap[] = [];
  const clients: FramedClient[] = [];
  let pri: ByteTap;
  let out: ByteTap;
  let pGuest: FramedClient;
  let pWire: FramedClient;
  let sGuest: FramedClient;
  let sWire: FramedClient;
  let nfy: FramedClient;

  beforeAll(async () => {
    ensureQemu();
    dir = socketDir();
    p = proxyPaths(dir);
    // "Primary COLO must be started firstly": its chardev servers must exist before anyone connects.
    primary = await startQemu("primary", primaryArgs(p, vnet), p.pQmp);
    pri = await ByteTap.listen(join(dir, "tap-pri.sock"), p.compare0);
    out = await ByteTap.listen(join(dir, "tap-out.sock"), p.compareOut);
    taps.push(pri, out);
    colod = await startColod(
      [
        "compare",
        ...["--primary-in", `unix:${pri.path}`],
        ...["--secondary-in", `unix:${p.secondaryIn},server=on,wait=off`],
        ...["--outdev", `unix:${out.path}`],
        ...["--notify-dev", `unix:${p.notify},server=on,wait=off`],
        // Long enough that only a checkpoint, never the timer, releases a held frame here.
        ...["--compare-timeout", "60000"],
        ...(vnet ? ["--vnet-hdr-support"] : []),
      ],
      { dir },
    );
    const q = primary;
    await until(
      "colod on compare0 and compare_out",
      async () => (await chardevConnected(q, "compare0")) && (await chardevConnected(q, "compare_out")),
    );
    secondary = await startQemu("secondary", secondaryArgs(p, vnet), p.sQmp);
    await until("secondary red0 on mirror0", () => chardevConnected(q, "mirror0"));
    const c = async (path: string, opts: FramedClientOptions) => {
      const x = await connectWhenListening(path, opts);
      clients.push(x);
      return x;
    };
    pGuest = await c(p.pGuest, STREAM);
    pWire = await c(p.pWire, STREAM);
    sGuest = await c(p.sGuest, STREAM);
    sWire = await c(p.sWire, STREAM);
    // The COLO frame's side of notify_dev: the vnet word toward colod only (QEMU's asymmetry).
    nfy = await c(p.notify, { vnetHdr: vnet, rxVnetHdr: false });
    const s = secondary;
    await until(
      "the stream netdevs' clients",
      async () =>
        (await streamsConnected(q, ["guest", "hn0"])) && (await streamsConnected(s, ["guest", "hn0"])),
    );
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([secondary?.stop(), primary?.stop(), colod?.cleanup()]);
    await Promise.all(taps.map((t) => t.close()));
  });

  test("guest output goes redire1 -> colod -> redire0 -> wire byte-exact, in per-connection order; the secondary's never leaves", async () => {
    pri.reset();
    out.reset();
    const sent = guestOutput("same");
    for (const x of sent) await pGuest.send(x.frame);
    for (const x of sent) await sGuest.send(x.frame);
    const got = (await pWire.waitFrames(sent.length, WAIT_MS)).map((f) => f.payload);
    // Each frame exactly once, byte-exact; within each connection in the order the guest sent it. Across
    // connections the order may differ: ARP is released on arrival, IPv4 waits for its secondary copy.
    const order = arrivalOrder(sent, got);
    expect(order.toSorted((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    for (const flow of new Set(sent.map((x) => x.flow))) {
      const own = order.filter((i) => sent[i]?.flow === flow);
      expect(own, flow).toEqual(own.toSorted((a, b) => a - b));
    }
    expect(await pWire.collect(QUIET_MS)).toEqual([]);
    expect([...sWire.drain(), ...pGuest.drain(), ...sGuest.drain()]).toEqual([]);
    expect(await nfy.collect(0)).toEqual([]);
    // What QEMU 7.2's redirector wrote to colod, and colod to the redirector: the vnet word (when on) is
    // the stream netdev's vnet_hdr_len, 0, and the payload is the bare Ethernet frame.
    expect(pri.fromUpstream()).toEqual(
      framed(
        sent.map((x) => x.frame),
        vnet,
      ),
    );
    expect(out.toUpstream()).toEqual(framed(got, vnet));
    expect(colod?.events("compare.divergence") ?? []).toEqual([]);
  });

  test("a client request on the wire reaches both guests (m0 -> mirror0 -> red0 -> f1)", async () => {
    const req = buildFrame({
      proto: "udp",
      src: "10.0.0.9",
      dst: "10.0.0.2",
      sport: 3333,
      dport: 53,
      payload: "query",
    });
    await pWire.send(req);
    const [toPvm] = await pGuest.waitFrames(1, WAIT_MS);
    const [toSvm] = await sGuest.waitFrames(1, WAIT_MS);
    expect(toPvm?.payload).toEqual(req);
    expect(toSvm?.payload).toEqual(req);
    expect(await pWire.collect(QUIET_MS)).toEqual([]);
  });

  test("a divergence is held until COLO_CHECKPOINT on notify-dev, then released byte-exact", async () => {
    const spec = { proto: "udp", sport: 53, dport: 3333, ipId: 3 } as const;
    const pf = buildFrame({ ...spec, payload: "primary answer A" });
    const sf = buildFrame({ ...spec, payload: "secondary says B" });
    await pGuest.send(pf);
    await sGuest.send(sf);
    const [req] = await nfy.waitFrames(1, WAIT_MS);
    expect(parseNotify(req!.payload)).toBe(NotifyMessage.DO_CHECKPOINT);
    expect(await pWire.collect(QUIET_MS)).toEqual([]);
    await nfy.send(notifyPayload(NotifyMessage.COLO_CHECKPOINT));
    const [released] = await pWire.waitFrames(1, WAIT_MS);
    expect(released?.payload).toEqual(pf);
    expect(await pWire.collect(QUIET_MS)).toEqual([]);
    expect(sWire.drain()).toEqual([]);
  });
});

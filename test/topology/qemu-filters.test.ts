// colod in the colo-proxy.txt topology, driven by QEMU 7.2's own filter-mirror / filter-redirector /
// filter-rewriter on two guestless QEMUs (see README.md for the diagram and the command lines). The test
// plays both guests and the outside network through stream netdevs joined to hn0 by a hub.
import { buildFrame, TcpFlag } from "@colod/packet";
import { encode, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRig, type Rig } from "./rig.js";

// Nothing within this window means nothing was emitted (each hop forwards within a few milliseconds).
const QUIET_MS = 300;
const WAIT_MS = 5_000;

const modes = [
  { name: "plain framing", vnet: false },
  { name: "vnet_hdr_support on every object and colod", vnet: true },
];

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

describe.each(modes)("QEMU 7.2 filters -> colod -> QEMU 7.2 filters, $name", ({ vnet }) => {
  const setup = createRig({ vnet });
  let r: Rig;

  beforeAll(async () => {
    r = await setup.start();
  });

  afterAll(() => setup.stop());

  test("guest output goes redire1 -> colod -> redire0 -> wire byte-exact, in per-connection order; the secondary's never leaves", async () => {
    r.pri.reset();
    r.out.reset();
    const sent = guestOutput("same");
    for (const x of sent) await r.pGuest.send(x.frame);
    for (const x of sent) await r.sGuest.send(x.frame);
    const got = (await r.pWire.waitFrames(sent.length, WAIT_MS)).map((f) => f.payload);
    // Each frame exactly once, byte-exact; within each connection in the order the guest sent it. Across
    // connections the order may differ: ARP is released on arrival, IPv4 waits for its secondary copy.
    const order = arrivalOrder(sent, got);
    expect(order.toSorted((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    for (const flow of new Set(sent.map((x) => x.flow))) {
      const own = order.filter((i) => sent[i]?.flow === flow);
      expect(own, flow).toEqual(own.toSorted((a, b) => a - b));
    }
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
    expect([...r.sWire.drain(), ...r.pGuest.drain(), ...r.sGuest.drain()]).toEqual([]);
    expect(await r.nfy.collect(0)).toEqual([]);
    // What QEMU 7.2's redirector wrote to colod, and colod to the redirector: the vnet word (when on) is
    // the stream netdev's vnet_hdr_len, 0, and the payload is the bare Ethernet frame.
    expect(r.pri.fromUpstream()).toEqual(
      framed(
        sent.map((x) => x.frame),
        vnet,
      ),
    );
    expect(r.out.toUpstream()).toEqual(framed(got, vnet));
    expect(r.colod.events("compare.divergence")).toEqual([]);
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
    await r.pWire.send(req);
    const [toPvm] = await r.pGuest.waitFrames(1, WAIT_MS);
    const [toSvm] = await r.sGuest.waitFrames(1, WAIT_MS);
    expect(toPvm?.payload).toEqual(req);
    expect(toSvm?.payload).toEqual(req);
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
  });

  test("a divergence is held until COLO_CHECKPOINT on notify-dev, then released byte-exact", async () => {
    const spec = { proto: "udp", sport: 53, dport: 3333, ipId: 3 } as const;
    const pf = buildFrame({ ...spec, payload: "primary answer A" });
    const sf = buildFrame({ ...spec, payload: "secondary says B" });
    await r.pGuest.send(pf);
    await r.sGuest.send(sf);
    const [req] = await r.nfy.waitFrames(1, WAIT_MS);
    expect(parseNotify(req!.payload)).toBe(NotifyMessage.DO_CHECKPOINT);
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
    await r.nfy.send(notifyPayload(NotifyMessage.COLO_CHECKPOINT));
    const [released] = await r.pWire.waitFrames(1, WAIT_MS);
    expect(released?.payload).toEqual(pf);
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
    expect(r.sWire.drain()).toEqual([]);
  });

  test("filter-rewriter f3 maps the secondary's TCP sequence space, so different ISNs still compare equal", async () => {
    const [client, isnP, isnS] = [1000, 5000, 90000];
    const c2g = { src: "10.0.0.9", dst: "10.0.0.2", sport: 40000, dport: 80 } as const;
    const g2c = { src: "10.0.0.2", dst: "10.0.0.9", sport: 80, dport: 40000 } as const;
    const tcp = (spec: object) => buildFrame({ proto: "tcp", ...spec });
    const synAck = (isn: number) =>
      tcp({ ...g2c, seq: isn, ack: client + 1, flags: TcpFlag.SYN | TcpFlag.ACK });
    const data = (isn: number) =>
      tcp({ ...g2c, seq: isn + 1, ack: client + 1, payload: "HTTP/1.1 200 OK\r\n\r\nsame answer" });
    const seen = async (c: typeof r.pGuest) => (await c.waitFrames(1, WAIT_MS))[0]?.payload;

    // The client's SYN reaches both guests (m0 -> mirror0 -> red0 -> f1 -> f3 on the secondary).
    const syn = tcp({ ...c2g, seq: client, ack: 0, flags: TcpFlag.SYN });
    await r.pWire.send(syn);
    expect([await seen(r.pGuest), await seen(r.sGuest)]).toEqual([syn, syn]);
    // Each guest answers with its own ISN; the primary's SYN|ACK goes out, the secondary's never does.
    await r.pGuest.send(synAck(isnP));
    await r.sGuest.send(synAck(isnS));
    expect(await seen(r.pWire)).toEqual(synAck(isnP));
    // The client acks the primary's ISN; f3 learns offset = isnS - isnP and rewrites th_ack for the SVM.
    const ack = (n: number) => tcp({ ...c2g, seq: client + 1, ack: n + 1, flags: TcpFlag.ACK });
    await r.pWire.send(ack(isnP));
    expect(await seen(r.pGuest)).toEqual(ack(isnP));
    expect(await seen(r.sGuest)).toEqual(ack(isnS));
    // Same answer from both: f3 moves the SVM's th_seq back into the primary's space; colod sees a match.
    await r.pGuest.send(data(isnP));
    await r.sGuest.send(data(isnS));
    expect(await seen(r.pWire)).toEqual(data(isnP));
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
    expect(await r.nfy.collect(0)).toEqual([]);
    expect([...r.sWire.drain(), ...r.pGuest.drain(), ...r.sGuest.drain()]).toEqual([]);
  });
});

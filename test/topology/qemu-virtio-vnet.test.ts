// A real virtio-net header through QEMU 7.2's redirectors and colod: hn0 is a tap with vnet_hdr=on under a
// virtio-net-pci NIC (see virtio-tap.ts and README.md). What the redirector writes to colod carries hn0's
// vnet_hdr_len and the header bytes; what colod releases goes back through redire0 into the tap, where the
// kernel consumes the header and tcpdump sees the bare Ethernet frame.
import { join } from "node:path";
import { buildFrame, TcpFlag } from "@colod/packet";
import { encode, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ColodProcess, socketDir, startColod } from "../harness/colod.js";
import { FramedClient } from "../harness/framed-client.js";
import { netnsUnavailable, sh } from "../harness/netns.js";
import { ensureQemu, sleep } from "../harness/qemu.js";
import { ByteTap } from "./byte-tap.js";
import { chardevConnected, type Qemu, startQemu, until } from "./colo-proxy.js";
import {
  type Capture,
  capture,
  createNetns,
  hltBios,
  type VirtioSide,
  virtioPrimaryArgs,
  virtioSecondaryArgs,
} from "./virtio-tap.js";

const WAIT_MS = 5_000;
// Nothing within this window means nothing was emitted (each hop forwards within a few milliseconds).
const QUIET_MS = 300;
/** sizeof(struct virtio_net_hdr): virtio-net's header before a guest driver negotiates mergeable buffers. */
const VIRTIO_NET_HDR_LEN = 10;

/** A virtio_net_hdr asking for checksum offload: flags NEEDS_CSUM, no GSO, csum_start/csum_offset (LE). */
function needsCsum(csumStart: number, csumOffset: number): Uint8Array {
  return Uint8Array.from([1, 0, 0, 0, 0, 0, csumStart, 0, csumOffset, 0]);
}

interface Sent {
  flow: string;
  /** The Ethernet frame, as the tap's host side must see it. */
  eth: Uint8Array;
  /** The virtio header the guest put in front of it. */
  hdr: Uint8Array;
}

function guestOutput(): Sent[] {
  const udp = (ipId: number, payload: string): Sent => ({
    flow: "udp",
    eth: buildFrame({ proto: "udp", sport: 53, dport: 3333, ipId, payload }),
    hdr: needsCsum(34, 6),
  });
  const tcp = (i: number, payload: string): Sent => ({
    flow: "tcp",
    eth: buildFrame({
      proto: "tcp",
      sport: 80,
      dport: 40000,
      seq: 9000 + i * 64,
      ack: 1,
      flags: TcpFlag.ACK | TcpFlag.PSH,
      payload: payload.padEnd(64, "-"),
    }),
    hdr: needsCsum(34, 16),
  });
  return [udp(1, "virtio udp 1"), tcp(0, "virtio tcp 0"), tcp(1, "virtio tcp 1"), udp(2, "virtio udp 2")];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const withHdr = (s: Sent) => Buffer.concat([s.hdr, s.eth]);
const framed = (payloads: Uint8Array[]) =>
  Buffer.concat(payloads.map((p) => encode(p, VIRTIO_NET_HDR_LEN, { vnetHdr: true })));

describe.skipIf(netnsUnavailable() !== undefined)(
  "virtio-net + tap vnet_hdr=on: a real vnet header end to end",
  () => {
    let dir: string;
    let ns: { name: string; destroy(): void } | undefined;
    let primary: Qemu | undefined;
    let secondary: Qemu | undefined;
    let colod: ColodProcess | undefined;
    const captures: Capture[] = [];
    let record: () => Promise<Capture>;
    const taps: ByteTap[] = [];
    const clients: FramedClient[] = [];
    let pri: ByteTap;
    let out: ByteTap;
    let pTx: FramedClient;
    let sTx: FramedClient;
    let nfy: FramedClient;

    beforeAll(async () => {
      ensureQemu();
      dir = socketDir();
      ns = createNetns();
      const netns = ns.name;
      const bios = hltBios(dir);
      const side = (n: string): VirtioSide => ({
        bios,
        tap: `${n}t0`,
        guestTx: join(dir, `${n}-guest-tx.sock`),
        qmp: join(dir, `${n}-qmp.sock`),
      });
      const [ps, ss] = [side("p"), side("s")];
      const compare0 = join(dir, "compare0.sock");
      const compareOut = join(dir, "compare_out.sock");
      const secondaryIn = join(dir, "compare1.sock");
      primary = await startQemu("primary", virtioPrimaryArgs(ps, compare0, compareOut), ps.qmp, netns);
      // A tap that is down rejects QEMU's writes (EIO); tcpdump then watches what the kernel received.
      sh("ip", ["-n", netns, "link", "set", ps.tap, "up"]);
      record = async () => {
        const c = await capture(netns, ps.tap, ["udp", "or", "tcp"]);
        captures.push(c);
        return c;
      };
      pri = await ByteTap.listen(join(dir, "tap-pri.sock"), compare0);
      out = await ByteTap.listen(join(dir, "tap-out.sock"), compareOut);
      taps.push(pri, out);
      colod = await startColod(
        [
          "compare",
          ...["--primary-in", `unix:${pri.path}`],
          ...["--secondary-in", `unix:${secondaryIn},server=on,wait=off`],
          ...["--outdev", `unix:${out.path}`],
          ...["--notify-dev", `unix:${join(dir, "notify.sock")},server=on,wait=off`],
          ...["--compare-timeout", "60000"],
          "--vnet-hdr-support",
        ],
        { dir },
      );
      const q = primary;
      await until(
        "colod on compare0 and compare_out",
        async () => (await chardevConnected(q, "compare0")) && (await chardevConnected(q, "compare_out")),
      );
      secondary = await startQemu("secondary", virtioSecondaryArgs(ss, secondaryIn), ss.qmp, netns);
      for (const path of [ps.guestTx, ss.guestTx]) {
        clients.push(await FramedClient.connect(path, { vnetHdr: true }));
      }
      // The COLO frame's side of notify_dev: the vnet word toward colod only (QEMU's asymmetry).
      clients.push(await FramedClient.connect(join(dir, "notify.sock"), { vnetHdr: true, rxVnetHdr: false }));
      [pTx, sTx, nfy] = clients as [FramedClient, FramedClient, FramedClient];
      const s = secondary;
      await until(
        "the guest_tx injectors' clients",
        async () => (await chardevConnected(q, "guest_tx")) && (await chardevConnected(s, "guest_tx")),
      );
    });

    afterAll(async () => {
      await Promise.all(captures.map((c) => c.stop(0)));
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all([secondary?.stop(), primary?.stop(), colod?.cleanup()]);
      await Promise.all(taps.map((t) => t.close()));
      ns?.destroy();
    });

    test("hn0's vnet_hdr_len and the header reach colod; the kernel gets the header colod released", async () => {
      const pcap = await record();
      out.reset();
      const sent = guestOutput();
      for (const x of sent) await pTx.send(withHdr(x), VIRTIO_NET_HDR_LEN);
      for (const x of sent) await sTx.send(withHdr(x), VIRTIO_NET_HDR_LEN);
      await until(
        "colod's output",
        async () => out.toUpstream().byteLength >= framed(sent.map(withHdr)).byteLength,
        WAIT_MS,
      );
      const seen = (await pcap.stop(300)).map(hex);
      // The tap's host side saw each Ethernet frame once, without the 10 header bytes, per-flow in order.
      const order = seen.map((h) => sent.findIndex((x) => hex(x.eth) === h));
      expect(order.toSorted((a, b) => a - b)).toEqual(sent.map((_, i) => i));
      for (const flow of ["udp", "tcp"]) {
        const own = order.filter((i) => sent[i]?.flow === flow);
        expect(own, flow).toEqual(own.toSorted((a, b) => a - b));
      }
      // QEMU 7.2's redire1 wrote `len | 10 | header + frame`; colod wrote the same back to redire0.
      expect(pri.fromUpstream()).toEqual(framed(sent.map(withHdr)));
      expect(out.toUpstream()).toEqual(framed(order.map((i) => withHdr(sent[i]!))));
    });

    test("a divergence with real headers is held until COLO_CHECKPOINT; then the kernel gets the primary's frame", async () => {
      const pcap = await record();
      out.reset();
      const spec = { proto: "udp", sport: 5000, dport: 3333, ipId: 7 } as const;
      const p: Sent = {
        flow: "udp",
        eth: buildFrame({ ...spec, payload: "primary A" }),
        hdr: needsCsum(34, 6),
      };
      const s: Sent = { ...p, eth: buildFrame({ ...spec, payload: "secondary B" }) };
      await pTx.send(withHdr(p), VIRTIO_NET_HDR_LEN);
      await sTx.send(withHdr(s), VIRTIO_NET_HDR_LEN);
      const [req] = await nfy.waitFrames(1, WAIT_MS);
      expect(parseNotify(req!.payload)).toBe(NotifyMessage.DO_CHECKPOINT);
      await sleep(QUIET_MS);
      expect(out.toUpstream().byteLength).toBe(0);
      await nfy.send(notifyPayload(NotifyMessage.COLO_CHECKPOINT));
      await until("the flush", async () => out.toUpstream().byteLength > 0, WAIT_MS);
      expect(out.toUpstream()).toEqual(framed([withHdr(p)]));
      expect((await pcap.stop(300)).map(hex)).toEqual([hex(p.eth)]);
    });
  },
);

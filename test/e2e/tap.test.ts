// colod on real tap devices (SPEC 7): eBPF capture of both guests' taps, release into the primary's tap, the
// notify channel, fail-open after kill -9, and `colod forward`. Needs root, tun, iproute2, tcpdump and cc.
import { join } from "node:path";
import { buildArp, buildFrame } from "@colod/packet";
import { NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ColodProcess, socketDir, startColod } from "../harness/colod.js";
import { FramedClient } from "../harness/framed-client.js";
import {
  createTopology,
  type Guest,
  netnsUnavailable,
  openGuest,
  sleep,
  type Topology,
} from "../harness/netns.js";

const why = netnsUnavailable();
if (why) throw new Error(`tap tests cannot run: ${why}; run as root after scripts/setup-system.sh`);

const PMAC = "52:54:00:00:00:01";
const SMAC = "52:54:00:00:00:02";
const udp = (mac: string, i: number, payload = `frame ${i}`) =>
  buildFrame({
    proto: "udp",
    srcMac: mac,
    dstMac: "ff:ff:ff:ff:ff:ff",
    sport: 9000,
    dport: 9001,
    ipId: i,
    payload,
  });
const text = (f: Uint8Array) => new TextDecoder().decode(f.subarray(42));

let topo: Topology;
let pri: Guest;
let sec: Guest;
beforeAll(async () => {
  topo = createTopology({ taps: 2 });
  pri = await openGuest(topo.taps[0]!);
  sec = await openGuest(topo.taps[1]!);
});
afterAll(async () => {
  await pri?.close();
  await sec?.close();
  topo?.destroy();
});

describe("colod on tap devices", () => {
  test("compare: identical traffic out once and in order, divergence held until COLO_CHECKPOINT, ARP passes, fail-open after kill -9", async () => {
    const dir = socketDir();
    const nfyPath = join(dir, "nfy.sock");
    const [tp, ts] = topo.taps as [string, string];
    let colod: ColodProcess | undefined = await startColod(
      [
        "compare",
        "--primary-in",
        `tap:${tp}`,
        "--secondary-in",
        `tap:${ts}`,
        "--outdev",
        `tap:${tp}`,
        "--notify-dev",
        `unix:${nfyPath},server=on`,
        "--compare-timeout",
        "60000",
        "--expired-scan-cycle",
        "100",
      ],
      { dir },
    );
    try {
      const nfy = await FramedClient.connect(nfyPath, { vnetHdr: false });
      let rec = await topo.record("udp or arp");
      // Identical output from both guests: released once, from the primary, in order.
      await pri.send([1, 2, 3, 4, 5].map((i) => udp(PMAC, i)));
      await sec.send([1, 2, 3, 4, 5].map((i) => udp(SMAC, i)));
      await sleep(300);
      // A divergence: held.
      await pri.send([udp(PMAC, 6, "primary answer")]);
      await sec.send([udp(SMAC, 6, "another answer")]);
      const [req] = await nfy.waitFrames(1, 5000);
      expect(parseNotify(req!.payload)).toBe(NotifyMessage.DO_CHECKPOINT);
      // ARP: the primary's passes in the kernel at once, the secondary's is dropped there.
      await pri.send([buildArp({ srcMac: PMAC, senderIp: "10.0.0.1", targetIp: "10.0.0.9" })]);
      await sec.send([buildArp({ srcMac: SMAC, senderIp: "10.0.0.2", targetIp: "10.0.0.9" })]);
      let seen = await rec.stop(300);
      const udpSeen = seen.filter((f) => f[12] === 0x08 && f[13] === 0x00);
      expect(udpSeen.map(text)).toEqual(["frame 1", "frame 2", "frame 3", "frame 4", "frame 5"]);
      expect(udpSeen.every((f) => f[11] === 0x01)).toBe(true); // the primary's frames (source MAC ...:01)
      const arps = seen.filter((f) => f[12] === 0x08 && f[13] === 0x06);
      expect(arps.length).toBe(1);
      expect(arps[0]![11]).toBe(0x01);

      // COLO_CHECKPOINT releases the held primary frame.
      rec = await topo.record("udp");
      await nfy.send(notifyPayload(NotifyMessage.COLO_CHECKPOINT));
      seen = await rec.stop(500);
      expect(seen.map(text)).toEqual(["primary answer"]);
      await nfy.close();

      // kill -9: the TCX links die with the process and the primary's traffic flows again (fail-open).
      colod.kill("SIGKILL");
      await colod.exited;
      await colod.cleanup();
      colod = undefined;
      rec = await topo.record("udp");
      await pri.send([udp(PMAC, 7, "after the crash")]);
      seen = await rec.stop(300);
      expect(seen.map(text)).toEqual(["after the crash"]);
    } finally {
      await colod?.cleanup();
    }
  });

  test("forward: a guest's tap output goes to a socket comparator in QEMU's framing", async () => {
    const dir = socketDir();
    const { createServer } = await import("node:net");
    const { FrameDecoder } = await import("@colod/wire");
    const got: Uint8Array[] = [];
    const srv = createServer((s) => {
      const dec = new FrameDecoder({ vnetHdr: false, onFrame: (p) => got.push(new Uint8Array(p)) });
      s.on("data", (d: Uint8Array) => dec.push(d));
    });
    const path = join(dir, "sec-in.sock");
    await new Promise<void>((r) => srv.listen(path, r));
    const fwd = await startColod(
      ["forward", "--from", `tap:${topo.taps[1]}`, "--to", `unix:${path},reconnect=1`],
      { dir },
    );
    try {
      const rec = await topo.record("udp");
      const frames = [11, 12, 13].map((i) => udp(SMAC, i));
      await sec.send(frames);
      const t0 = Date.now();
      while (got.length < 3 && Date.now() - t0 < 5000) await sleep(50);
      expect(got).toEqual(frames);
      expect(await rec.stop(200)).toEqual([]); // the secondary's output never reaches the network
    } finally {
      await fwd.cleanup();
      srv.close();
    }
  });
});

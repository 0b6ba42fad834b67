// What QEMU 7.2's redirectors do to colod's traffic while one of colod's connections to them is down or
// after it came back (qemu-colo.md section 5). Both tests pin QEMU behaviour that colod cannot change, for
// operators; the outdev one fails on a QEMU with the Jan 2026 redirector fix, which is the point.
import { buildFrame } from "@colod/packet";
import { encode } from "@colod/wire";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chardevConnected, until } from "./colo-proxy.js";
import { createRig, type Rig } from "./rig.js";

// Nothing within this window means nothing was emitted (each hop forwards within a few milliseconds).
const QUIET_MS = 500;
const WAIT_MS = 5_000;

const udp = (sport: number, payload: string) =>
  buildFrame({ proto: "udp", sport, dport: 3333, ipId: sport, payload });

describe("QEMU 7.2 redirectors when a colod connection drops", () => {
  // reconnect=1: colod's primary-in and outdev clients retry every second after a drop.
  const setup = createRig({ vnet: false, clientOpts: ",reconnect=1" });
  let r: Rig;

  beforeAll(async () => {
    r = await setup.start();
  });

  afterAll(() => setup.stop());

  /** Sends the same frame as both guests. */
  const pair = async (f: Uint8Array) => {
    await r.pGuest.send(f);
    await r.sGuest.send(f);
  };

  test("while colod's primary-in is down, redire1 drops guest output with a send error; it flows again after the reconnect", async () => {
    r.pri.refuse(true);
    r.pri.drop();
    await until("QEMU's compare0 disconnected", async () => !(await chardevConnected(r.primary, "compare0")));
    // The redirector's outdev chardev exists but has no peer: 7.2 consumes the frame and reports the failed
    // write, so it neither reaches colod nor bypasses it onto the wire.
    await pair(udp(6001, "sent while primary-in is down"));
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
    await until("QEMU's send error", async () =>
      r.primary.stderr().includes("filter redirector send failed"),
    );

    r.pri.refuse(false);
    await until("colod's primary-in back on compare0", async () => r.pri.connections === 2, WAIT_MS);
    await until("QEMU's compare0 connected again", () => chardevConnected(r.primary, "compare0"));
    const back = udp(6002, "sent after primary-in reconnected");
    await pair(back);
    const got = await r.pWire.waitFrames(1, WAIT_MS);
    expect(got.map((f) => f.payload)).toEqual([back]);
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
  });

  test("after colod's outdev reconnects, redire0 never reads again: released frames are lost in QEMU", async () => {
    r.out.drop();
    await until("colod's outdev back on compare_out", async () => r.out.connections === 2, WAIT_MS);
    await until("QEMU's compare_out connected again", () => chardevConnected(r.primary, "compare_out"));
    r.out.reset();
    const after = udp(6003, "released after outdev reconnected");
    await pair(after);
    // colod released it onto the new connection, byte-exact...
    await until("colod's release", async () => r.out.toUpstream().byteLength > 0, WAIT_MS);
    expect(r.out.toUpstream()).toEqual(Buffer.from(encode(after, 0, { vnetHdr: false })));
    // ...but QEMU 7.2's redire0 removed its handlers on the first disconnect and never reads it.
    expect(await r.pWire.collect(QUIET_MS)).toEqual([]);
  });
});

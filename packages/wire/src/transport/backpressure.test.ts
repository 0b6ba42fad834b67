// Back-pressure with a stalled reader on real sockets: write() turns false, "drain" fires, the cap holds,
// nothing is dropped or reordered.
import { setImmediate as tick } from "node:timers/promises";
import { afterEach, expect, test } from "vitest";
import { parseEndpoint } from "../endpoint.js";
import { BackpressureError } from "./errors.js";
import { type Channel, openChannel } from "./index.js";
import { payload, rawConnect, readFrames, seqOf, sockPath, waitFor } from "./sockets.fixtures.js";

const open: Channel[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const FRAME = 1000;
const HWM = 64 * 1024;
const MAX = 512 * 1024;

for (const kind of ["unix", "tcp"] as const) {
  test(`${kind}: stalled reader -> write() false, BackpressureError at the cap, then drain and in-order delivery`, async () => {
    const spec = kind === "unix" ? `unix:${sockPath("bp.sock")},server=on` : "tcp:127.0.0.1:0,server=on";
    const ch = openChannel({
      endpoint: parseEndpoint(spec),
      name: "outdev",
      vnetHdr: false,
      highWaterMark: HWM,
      maxBuffered: MAX,
    });
    open.push(ch);
    await ch.listening;
    const a = ch.address!();
    const peer = await rawConnect(typeof a === "string" ? a : a.port);
    peer.pause();
    await ch.ready();
    let drains = 0;
    ch.on("drain", () => drains++);

    let accepted = 0;
    let firstFalse = -1;
    let maxSeen = 0;
    let thrown: unknown;
    // The kernel absorbs a few MB on loopback tcp before the reader's stall shows; bound the loop anyway.
    while (accepted < 100_000) {
      try {
        const ok = ch.write(payload(accepted, FRAME), 0);
        if (!ok && firstFalse < 0) firstFalse = accepted;
        accepted++;
      } catch (e) {
        thrown = e;
        break;
      }
      maxSeen = Math.max(maxSeen, ch.stats.buffered);
      if (accepted % 64 === 0) await tick();
    }
    expect(thrown).toBeInstanceOf(BackpressureError);
    expect((thrown as BackpressureError).code).toBe("ERR_WIRE_BACKPRESSURE");
    expect(firstFalse).toBeGreaterThanOrEqual(0);
    expect(maxSeen).toBeLessThanOrEqual(MAX);
    expect(ch.stats.buffered).toBeGreaterThan(MAX - FRAME - 8);
    expect(drains).toBe(0);
    console.log(
      `${kind}: first false after ${firstFalse} frames, cap hit after ${accepted} frames (${accepted * (FRAME + 4)} bytes)`,
    );

    const got = readFrames(peer, false);
    peer.resume();
    await ch.flush();
    await waitFor(() => got.frames.length === accepted, `${accepted} frames at the reader`, 20_000);
    expect(drains).toBeGreaterThanOrEqual(1);
    let inOrder = true;
    for (let i = 0; i < got.frames.length; i++) if (seqOf(got.frames[i]!.payload) !== i) inOrder = false;
    expect(inOrder).toBe(true);
    expect(
      got.frames.every(
        (f, i) => f.payload.length === FRAME && f.payload[FRAME - 1] === payload(i, FRAME)[FRAME - 1],
      ),
    ).toBe(true);
    expect(ch.stats.framesOut).toBe(accepted);
    expect(ch.stats.buffered).toBe(0);
    peer.destroy();
  });
}

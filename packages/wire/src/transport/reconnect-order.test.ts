// Order across reconnections: a writer that never stops while its peer comes and goes. Frames may be lost with
// a dying connection (counted as unconfirmed when the write had not completed), but never reordered or duplicated.
import { setImmediate as tick } from "node:timers/promises";
import { afterEach, expect, test } from "vitest";
import { parseEndpoint } from "../endpoint.js";
import { type Channel, openChannel } from "./index.js";
import { payload, rawConnect, readFrames, seqOf, sockPath, waitFor } from "./sockets.fixtures.js";

const open: Channel[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

for (const kind of ["unix", "tcp"] as const) {
  test(`${kind}: frames stay in order and unique while the peer reconnects 6 times`, async () => {
    const spec = kind === "unix" ? `unix:${sockPath("ro.sock")},server=on` : "tcp:127.0.0.1:0,server=on";
    const ch = openChannel({ endpoint: parseEndpoint(spec), name: "outdev", vnetHdr: true });
    open.push(ch);
    await ch.listening;
    const a = ch.address!();
    const target = typeof a === "string" ? a : a.port;
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 6; round++) {
      const peer = await rawConnect(target);
      const got = readFrames(peer, true);
      await waitFor(() => ch.connected, "connected");
      for (let i = 0; i < 20; i++) {
        for (let j = 0; j < 50; j++) ch.write(payload(next++, 200), 12);
        await tick();
      }
      peer.destroy(); // mid-stream, whatever is in flight
      await waitFor(() => !ch.connected, "disconnected");
      seen.push(...got.frames.map((f) => seqOf(f.payload)));
    }
    const last = await rawConnect(target);
    const got = readFrames(last, true);
    // What was in flight at the last destroy went down with it; these must all arrive.
    const firstFinal = next;
    for (let j = 0; j < 50; j++) ch.write(payload(next++, 200), 12);
    await ch.flush();
    await waitFor(
      () => got.frames.length > 0 && seqOf(got.frames.at(-1)!.payload) === next - 1,
      "the last frame",
    );
    seen.push(...got.frames.map((f) => seqOf(f.payload)));
    let increasing = true;
    for (let i = 1; i < seen.length; i++) if (seen[i]! <= seen[i - 1]!) increasing = false;
    expect(increasing).toBe(true);
    expect(got.frames.every((f) => f.vnet === 12 && f.payload.length === 200)).toBe(true);
    const finals = got.frames.map((f) => seqOf(f.payload)).filter((s) => s >= firstFinal);
    expect(finals).toEqual([...Array(50).keys()].map((i) => firstFinal + i));
    expect(ch.stats.framesOut).toBeLessThanOrEqual(next);
    console.log(
      `${kind}: ${next} written, ${seen.length} received, ${ch.stats.unconfirmed} unconfirmed at disconnects`,
    );
    last.destroy();
  });
}

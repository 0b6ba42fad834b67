// Client endpoints on real unix and tcp sockets: connect, write, reconnect, buffered-before-connect.
import { afterEach, describe, expect, test } from "vitest";
import { parseEndpoint } from "../endpoint.js";
import { encode } from "../frame.js";
import { type Channel, type ChannelOptions, openChannel } from "./index.js";
import {
  closeServer,
  collector,
  payload,
  rawListen,
  readFrames,
  seqOf,
  sockPath,
  waitFor,
} from "./sockets.fixtures.js";

const open: Channel[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await Promise.all(cleanups.splice(0).map((f) => f()));
});

async function listen(target: string | number) {
  const l = await rawListen(target);
  cleanups.push(async () => {
    for (const s of l.sockets) s.destroy();
    await closeServer(l.server);
  });
  return l;
}

function client(spec: string, extra: Partial<ChannelOptions> = {}) {
  const c = collector();
  const ch = openChannel({ endpoint: parseEndpoint(spec), name: "outdev", vnetHdr: false, ...c, ...extra });
  open.push(ch);
  return { ch, c };
}

/** A free tcp port: bind port 0, note it, release it. */
async function freePort(): Promise<number> {
  const l = await rawListen(0);
  await closeServer(l.server);
  return l.port;
}

for (const kind of ["unix", "tcp"] as const) {
  describe(`${kind} client`, () => {
    test("connects, writes byte-for-byte, reads frames split across chunks", async () => {
      const path = sockPath("c.sock");
      const l = await listen(kind === "unix" ? path : 0);
      const spec = kind === "unix" ? `unix:${path}` : `tcp:127.0.0.1:${l.port},nodelay=on`;
      const { ch, c } = client(spec, { vnetHdr: true });
      await ch.ready();
      await waitFor(() => l.sockets.length === 1, "accept");
      const peer = l.sockets[0]!;
      const got = readFrames(peer, true);
      ch.write(payload(1, 1514), 10);
      ch.write(payload(2, 60), 0);
      await ch.flush();
      const want = Buffer.concat([
        encode(payload(1, 1514), 10, { vnetHdr: true }),
        encode(payload(2, 60), 0, { vnetHdr: true }),
      ]);
      await waitFor(() => got.raw().length === want.length, "bytes at the peer");
      expect(got.raw()).toEqual(want);
      const f = encode(payload(3, 5000), 12, { vnetHdr: true });
      peer.write(f.subarray(0, 3));
      await new Promise((r) => setTimeout(r, 20));
      peer.write(f.subarray(3));
      await waitFor(() => c.frames.length === 1, "frame from the server");
      expect(c.frames[0]).toEqual({ payload: payload(3, 5000), vnet: 12 });
    });

    test("writeVnetHdr=false writes without the vnet word while reading with it (notify_dev asymmetry)", async () => {
      const path = sockPath("n.sock");
      const l = await listen(kind === "unix" ? path : 0);
      const spec = kind === "unix" ? `unix:${path}` : `tcp:127.0.0.1:${l.port}`;
      const { ch, c } = client(spec, { vnetHdr: true, writeVnetHdr: false });
      await ch.ready();
      await waitFor(() => l.sockets.length === 1, "accept");
      const peer = l.sockets[0]!;
      const got = readFrames(peer, false);
      ch.write(payload(1, 13), 0);
      await ch.flush();
      await waitFor(() => got.frames.length === 1, "frame at the peer");
      expect(got.raw()).toEqual(Buffer.from(encode(payload(1, 13), 0, { vnetHdr: false })));
      peer.write(encode(payload(2, 15), 0, { vnetHdr: true }));
      await waitFor(() => c.frames.length === 1, "frame from the peer");
      expect(c.frames[0]!.payload).toEqual(payload(2, 15));
    });

    test("without reconnect, a failed connect is an error event and ready() rejects", async () => {
      const spec = kind === "unix" ? `unix:${sockPath("missing.sock")}` : `tcp:127.0.0.1:${await freePort()}`;
      const { ch, c } = client(spec);
      await expect(ch.ready()).rejects.toMatchObject({ code: "ERR_WIRE_CONNECT" });
      const err = c.events.find((e) => e.type === "error");
      expect(err?.type === "error" && err.error.message).toContain(spec);
      expect(ch.connected).toBe(false);
    });

    test("with reconnect, frames written before the server exists go out in order once it does", async () => {
      const path = sockPath("late.sock");
      const port = kind === "tcp" ? await freePort() : 0;
      const spec = kind === "unix" ? `unix:${path},reconnect=1` : `tcp:127.0.0.1:${port},reconnect=1`;
      const { ch, c } = client(spec, { reconnectDelayMs: 30 });
      for (let i = 0; i < 300; i++) ch.write(payload(i, 100), 0);
      await waitFor(() => c.count("reconnecting") >= 2, "two reconnect attempts");
      expect(ch.connected).toBe(false);
      const l = await listen(kind === "unix" ? path : port);
      await waitFor(() => l.sockets.length === 1, "accept");
      const got = readFrames(l.sockets[0]!, false);
      await waitFor(() => got.frames.length === 300, "300 frames");
      expect(got.frames.map((f) => seqOf(f.payload))).toEqual([...Array(300).keys()]);
      expect(ch.stats.framesOut).toBe(300);
    });

    test("with reconnect, a dropped connection is re-established and a fresh decoder is used", async () => {
      const path = sockPath("re.sock");
      const l = await listen(kind === "unix" ? path : 0);
      const spec = kind === "unix" ? `unix:${path},reconnect=1` : `tcp:127.0.0.1:${l.port},reconnect=1`;
      const { ch, c } = client(spec, { reconnectDelayMs: 30 });
      await waitFor(() => l.sockets.length === 1, "first accept");
      // Half a frame, then the server drops the connection.
      l.sockets[0]!.end(encode(payload(1, 200), 0, { vnetHdr: false }).subarray(0, 100));
      await waitFor(() => l.sockets.length === 2, "second accept");
      l.sockets[1]!.write(encode(payload(2, 200), 0, { vnetHdr: false }));
      await waitFor(() => c.frames.length === 1, "frame on the new connection");
      expect(c.frames[0]!.payload).toEqual(payload(2, 200));
      expect(ch.stats.connects).toBe(2);
      const disc = c.events.find((e) => e.type === "disconnected");
      expect(disc?.type === "disconnected" && disc.partialFrameDiscarded).toBe(true);
      expect(c.count("reconnecting")).toBeGreaterThanOrEqual(1);
    });

    test("an oversize frame from the server closes the connection; the client reconnects", async () => {
      const path = sockPath("big.sock");
      const l = await listen(kind === "unix" ? path : 0);
      const spec = kind === "unix" ? `unix:${path},reconnect=1` : `tcp:127.0.0.1:${l.port},reconnect=1`;
      const { ch, c } = client(spec, { reconnectDelayMs: 30 });
      await waitFor(() => l.sockets.length === 1, "first accept");
      l.sockets[0]!.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
      await waitFor(() => l.sockets.length === 2, "reconnect");
      l.sockets[1]!.write(encode(payload(5), 0, { vnetHdr: false }));
      await waitFor(() => c.frames.length === 1, "frame after reconnect");
      expect(ch.stats.oversize).toBe(1);
      expect(c.count("oversize")).toBe(1);
    });
  });
}

test("close() stops reconnecting and rejects pending flush() and ready()", async () => {
  const { ch, c } = client(`unix:${sockPath("never.sock")},reconnect=1`, { reconnectDelayMs: 20 });
  ch.write(payload(1), 0);
  const flushed = ch.flush();
  const ready = ch.ready();
  await waitFor(() => c.count("reconnecting") >= 1, "a reconnect attempt");
  await ch.close();
  await expect(flushed).rejects.toMatchObject({ code: "ERR_WIRE_CHANNEL_CLOSED" });
  await expect(ready).rejects.toMatchObject({ code: "ERR_WIRE_CHANNEL_CLOSED" });
  expect(ch.stats.discarded).toBe(1);
  const n = c.count("reconnecting");
  await new Promise((r) => setTimeout(r, 80));
  expect(c.count("reconnecting")).toBe(n);
  expect(() => ch.write(payload(2), 0)).toThrow(expect.objectContaining({ code: "ERR_WIRE_CHANNEL_CLOSED" }));
});

test("without reconnect, flush() of frames that can no longer go anywhere rejects instead of hanging", async () => {
  const path = sockPath("gone.sock");
  const l = await listen(path);
  const { ch } = client(`unix:${path}`);
  await ch.ready();
  await waitFor(() => l.sockets.length === 1, "accept");
  l.sockets[0]!.destroy();
  await waitFor(() => !ch.connected, "disconnect");
  ch.write(payload(1), 0);
  await expect(ch.flush()).rejects.toMatchObject({ code: "ERR_WIRE_CONNECT" });
  expect(ch.stats.buffered).toBe(64); // still queued, counted, not dropped
});

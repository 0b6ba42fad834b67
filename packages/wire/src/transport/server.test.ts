// Server endpoints on real unix and tcp sockets: framing edge cases, one peer at a time, re-accept.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { parseEndpoint } from "../endpoint.js";
import { encode } from "../frame.js";
import { type Channel, openChannel } from "./index.js";
import {
  closeServer,
  collector,
  payload,
  rawConnect,
  readFrames,
  sleep,
  sockPath,
  waitFor,
  writeBytewise,
} from "./sockets.fixtures.js";

const open: Channel[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function server(kind: "unix" | "tcp", vnetHdr: boolean, c = collector(), extra = {}) {
  const spec = kind === "unix" ? `unix:${sockPath("s.sock")},server=on` : "tcp:127.0.0.1:0,server=on";
  const ch = openChannel({ endpoint: parseEndpoint(spec), name: "primary-in", vnetHdr, ...c, ...extra });
  open.push(ch);
  const target = async () => {
    await ch.listening;
    const a = ch.address!();
    return typeof a === "string" ? a : a.port;
  };
  return { ch, c, target };
}

for (const kind of ["unix", "tcp"] as const) {
  for (const vnetHdr of [false, true]) {
    describe(`${kind} server, vnetHdr=${vnetHdr}`, () => {
      test("frames split into 1-byte chunks and packed together all arrive intact and in order", async () => {
        const { ch, c, target } = server(kind, vnetHdr);
        const peer = await rawConnect(await target());
        const f1 = encode(payload(1, 100), vnetHdr ? 10 : 0, { vnetHdr });
        const f2 = encode(payload(2, 1500), vnetHdr ? 12 : 0, { vnetHdr });
        const f3 = encode(payload(3, 64), 0, { vnetHdr });
        await writeBytewise(peer, f1);
        peer.write(Buffer.concat([f2, f3]));
        await waitFor(() => c.frames.length === 3, "3 frames");
        expect(c.frames.map((f) => f.payload)).toEqual([payload(1, 100), payload(2, 1500), payload(3, 64)]);
        expect(c.frames.map((f) => f.vnet)).toEqual(vnetHdr ? [10, 12, 0] : [0, 0, 0]);
        expect(ch.stats.framesIn).toBe(3);
        expect(ch.stats.bytesIn).toBe(f1.length + f2.length + f3.length);
        expect(ch.connected).toBe(true);
        peer.destroy();
      });

      test("writes go out byte-for-byte to the connected peer", async () => {
        const { ch, target } = server(kind, vnetHdr);
        const peer = await rawConnect(await target());
        const got = readFrames(peer, vnetHdr);
        await ch.ready();
        ch.write(payload(7, 200), vnetHdr ? 12 : 0);
        ch.write(payload(8, 70), 0);
        await ch.flush();
        const want = Buffer.concat([
          encode(payload(7, 200), vnetHdr ? 12 : 0, { vnetHdr }),
          encode(payload(8, 70), 0, { vnetHdr }),
        ]);
        await waitFor(() => got.raw().length === want.length, "all bytes at the peer");
        expect(got.raw()).toEqual(want);
        expect(ch.stats.framesOut).toBe(2);
        expect(ch.stats.bytesOut).toBe(want.length);
        peer.destroy();
      });
    });
  }

  describe(`${kind} server`, () => {
    test("data written by the peer right after connecting, before any read, is delivered", async () => {
      const { c, target } = server(kind, false);
      const t = await target();
      const peer = await rawConnect(t);
      peer.end(Buffer.concat([1, 2, 3].map((i) => encode(payload(i), 0, { vnetHdr: false }))));
      await waitFor(() => c.frames.length === 3, "3 frames");
      expect(c.frames.map((f) => f.payload)).toEqual([payload(1), payload(2), payload(3)]);
    });

    test("a peer that connected, wrote and exited before colod called accept is still read", async () => {
      const { c, target } = server(kind, false);
      const t = await target();
      const frames = Buffer.concat([1, 2].map((i) => encode(payload(i), 0, { vnetHdr: false })));
      // spawnSync blocks this event loop, so the whole exchange happens before our accept() runs.
      const py = `import socket,sys
s=socket.socket(socket.AF_UNIX if ${typeof t === "string" ? 1 : 0} else socket.AF_INET)
s.connect(${typeof t === "string" ? JSON.stringify(t) : `("127.0.0.1",${t})`})
s.sendall(bytes.fromhex(sys.argv[1]))
s.close()`;
      const r = spawnSync("python3", ["-c", py, frames.toString("hex")]);
      expect(r.status).toBe(0);
      await waitFor(() => c.frames.length === 2, "2 frames");
      expect(c.frames.map((f) => f.payload)).toEqual([payload(1), payload(2)]);
    });

    test("zero-length frames are counted and reported, decoding continues", async () => {
      const { ch, c, target } = server(kind, true);
      const peer = await rawConnect(await target());
      const zero = new Uint8Array(8); // len 0, vnet_hdr_len 0
      peer.write(
        Buffer.concat([
          encode(payload(1), 0, { vnetHdr: true }),
          zero,
          zero,
          encode(payload(2), 0, { vnetHdr: true }),
        ]),
      );
      await waitFor(() => c.frames.length === 2, "2 frames");
      expect(ch.stats.zeroLength).toBe(2);
      expect(c.count("zero-length")).toBe(2);
      expect(c.frames.map((f) => f.payload)).toEqual([payload(1), payload(2)]);
      peer.destroy();
    });

    test("an oversize frame closes that connection with an error naming the endpoint; the server accepts again", async () => {
      const { ch, c, target } = server(kind, false);
      const other = server(kind, false); // an unrelated channel keeps working
      const t = await target();
      const bad = await rawConnect(t);
      const closed = new Promise<void>((r) => bad.on("close", () => r()));
      bad.on("error", () => {});
      const hdr = new Uint8Array([0x00, 0x01, 0x10, 0x01]); // len = 69633, one above QEMU's NET_BUFSIZE
      bad.write(Buffer.concat([encode(payload(1), 0, { vnetHdr: false }), hdr, new Uint8Array(100)]));
      await closed;
      await waitFor(() => c.count("disconnected") === 1, "disconnect");
      expect(ch.stats.oversize).toBe(1);
      const err = c.events.find((e) => e.type === "error");
      expect(err?.type === "error" && err.error.code).toBe("ERR_WIRE_OVERSIZE_FRAME");
      expect(err?.type === "error" && err.error.message).toContain(ch.name);
      expect(err?.type === "error" && err.error.message).toContain(kind === "unix" ? "unix:" : "tcp:");
      expect(c.count("oversize")).toBe(1);

      const good = await rawConnect(t);
      good.write(encode(payload(2), 0, { vnetHdr: false }));
      const peer2 = await rawConnect(await other.target());
      peer2.write(encode(payload(9), 0, { vnetHdr: false }));
      await waitFor(() => c.frames.length === 2 && other.c.frames.length === 1, "frames after re-accept");
      expect(c.frames.map((f) => seq(f.payload))).toEqual([1, 2]);
      expect(other.c.events.filter((e) => e.type === "error")).toEqual([]);
      good.destroy();
      peer2.destroy();
    });

    test("a disconnect mid-frame discards the partial frame; the next connection starts clean", async () => {
      const { ch, c, target } = server(kind, true);
      const t = await target();
      const first = await rawConnect(t);
      const f = encode(payload(1, 300), 0, { vnetHdr: true });
      first.end(f.subarray(0, 150));
      await waitFor(() => c.count("disconnected") === 1, "disconnect");
      const ev = c.events.find((e) => e.type === "disconnected");
      expect(ev?.type === "disconnected" && ev.partialFrameDiscarded).toBe(true);
      const second = await rawConnect(t);
      second.write(encode(payload(2, 300), 0, { vnetHdr: true }));
      await waitFor(() => c.frames.length === 1, "frame on the new connection");
      expect(c.frames[0]!.payload).toEqual(payload(2, 300));
      expect(ch.stats.connects).toBe(2);
      expect(ch.stats.disconnects).toBe(1);
      second.destroy();
    });

    test("one peer at a time: a second connection is refused, and accepted after the first leaves", async () => {
      const { ch, c, target } = server(kind, false);
      const t = await target();
      const first = await rawConnect(t);
      await ch.ready();
      const second = await rawConnect(t);
      second.on("error", () => {});
      await new Promise<void>((r) => second.on("close", () => r()));
      expect(ch.stats.refused).toBe(1);
      expect(c.count("refused")).toBe(1);
      first.write(encode(payload(1), 0, { vnetHdr: false }));
      await waitFor(() => c.frames.length === 1, "frame from the first peer");
      first.destroy();
      await waitFor(() => !ch.connected, "disconnect");
      const third = await rawConnect(t);
      third.write(encode(payload(3), 0, { vnetHdr: false }));
      await waitFor(() => c.frames.length === 2, "frame from the third peer");
      expect(c.frames.map((f) => seq(f.payload))).toEqual([1, 3]);
      third.destroy();
    });

    test("frames written before any peer connected go out in order once one does", async () => {
      const { ch, target } = server(kind, false);
      const t = await target();
      for (let i = 0; i < 500; i++) expect(ch.write(payload(i), 0)).toBe(true);
      expect(ch.stats.buffered).toBe(500 * 64);
      const peer = await rawConnect(t);
      const got = readFrames(peer, false);
      await ch.flush();
      await waitFor(() => got.frames.length === 500, "500 frames");
      expect(got.frames.map((f) => seq(f.payload))).toEqual([...Array(500).keys()]);
      expect(ch.stats.buffered).toBe(0);
      peer.destroy();
    });

    test("pause() stops reading until resume()", async () => {
      const { ch, c, target } = server(kind, false);
      ch.pause();
      const peer = await rawConnect(await target());
      peer.write(encode(payload(1), 0, { vnetHdr: false }));
      await sleep(100);
      expect(c.frames.length).toBe(0);
      ch.resume();
      await waitFor(() => c.frames.length === 1, "frame after resume");
      peer.destroy();
    });
  });
}

describe("unix socket file", () => {
  test("a stale socket file is replaced; the socket file is removed on close", async () => {
    const path = sockPath("stale.sock");
    // A socket file nobody listens on, as a crashed owner leaves it (bound, never listening, process gone).
    spawnSync("python3", ["-c", `import socket;socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path)})`]);
    expect(existsSync(path)).toBe(true);
    const c = collector();
    const ch = openChannel({
      endpoint: parseEndpoint(`unix:${path},server=on`),
      name: "outdev",
      vnetHdr: false,
      ...c,
    });
    await ch.listening;
    const peer = await rawConnect(path);
    peer.write(encode(payload(1), 0, { vnetHdr: false }));
    await waitFor(() => c.frames.length === 1, "frame");
    peer.destroy();
    await ch.close();
    expect(existsSync(path)).toBe(false);
  });

  test("a live socket at the path is an error naming the path", async () => {
    const path = sockPath("live.sock");
    const live = createServer((s) => s.destroy());
    await new Promise<void>((r) => live.listen(path, () => r()));
    const c = collector();
    const ch = openChannel({
      endpoint: parseEndpoint(`unix:${path},server=on`),
      name: "outdev",
      vnetHdr: false,
      ...c,
    });
    open.push(ch);
    await expect(ch.listening).rejects.toMatchObject({ code: "ERR_WIRE_LISTEN" });
    await expect(ch.listening).rejects.toThrow(path);
    expect(c.count("error")).toBe(1);
    await closeServer(live);
  });

  test("a regular file at the path is left alone and reported", async () => {
    const path = sockPath("file.sock");
    writeFileSync(path, "not a socket");
    const ch = openChannel({
      endpoint: parseEndpoint(`unix:${path},server=on`),
      name: "outdev",
      vnetHdr: false,
    });
    open.push(ch);
    await expect(ch.listening).rejects.toThrow(/not a socket/);
  });
});

test("tcp: a port already in use is a listen error naming the endpoint", async () => {
  const first = server("tcp", false);
  const port = (await first.target()) as number;
  const ch = openChannel({
    endpoint: parseEndpoint(`tcp:127.0.0.1:${port},server=on`),
    name: "secondary-in",
    vnetHdr: false,
  });
  open.push(ch);
  await expect(ch.listening).rejects.toMatchObject({ code: "ERR_WIRE_LISTEN" });
  await expect(ch.listening).rejects.toThrow(`secondary-in (tcp:127.0.0.1:${port},server=on)`);
});

test("tap endpoints are rejected with an EndpointError", () => {
  expect(() => openChannel({ endpoint: parseEndpoint("tap:vnet0"), name: "x", vnetHdr: false })).toThrow(
    expect.objectContaining({ code: "ERR_WIRE_ENDPOINT" }),
  );
});

function seq(p: Uint8Array): number {
  return new DataView(p.buffer, p.byteOffset).getUint32(0);
}

test("close() right after open leaves no socket file and rejects listening", async () => {
  const path = sockPath("quick.sock");
  const ch = openChannel({
    endpoint: parseEndpoint(`unix:${path},server=on`),
    name: "outdev",
    vnetHdr: false,
  });
  await ch.close();
  await expect(ch.listening).rejects.toMatchObject({ code: "ERR_WIRE_CHANNEL_CLOSED" });
  await sleep(20);
  expect(existsSync(path)).toBe(false);
});

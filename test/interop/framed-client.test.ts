// The framed test client against a plain node:net peer (TCP and unix), so its own framing is checked
// independently of QEMU: what it sends is decoded by hand, what it receives is written by hand.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { FramedClient } from "../harness/framed-client.js";

const servers: Server[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A peer that records what it receives and hands out its connection. */
async function peer(
  where: "tcp" | "unix",
): Promise<{ target: string | { host: string; port: number }; conn: Promise<Socket>; got: () => Buffer }> {
  const chunks: Buffer[] = [];
  let resolveConn!: (s: Socket) => void;
  const conn = new Promise<Socket>((r) => {
    resolveConn = r;
  });
  const server = createServer((s) => {
    s.on("data", (b: Buffer) => chunks.push(b));
    resolveConn(s);
  });
  servers.push(server);
  if (where === "tcp") {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    return { target: { host: "127.0.0.1", port }, conn, got: () => Buffer.concat(chunks) };
  }
  const dir = mkdtempSync(join(tmpdir(), "colod-framed-"));
  dirs.push(dir);
  const path = join(dir, "peer.sock");
  await new Promise<void>((r) => server.listen(path, r));
  return { target: path, conn, got: () => Buffer.concat(chunks) };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe.each(["tcp", "unix"] as const)("FramedClient over %s", (where) => {
  test("send() frames with the vnet word when asked; received frames are decoded and queued", async () => {
    const p = await peer(where);
    const c = await FramedClient.connect(p.target, { vnetHdr: true });
    await c.send(Uint8Array.from([9, 8, 7]), 2);
    await until(() => p.got().length >= 11);
    // len 3 | vnet_hdr_len 2 | payload
    expect([...p.got()]).toEqual([0, 0, 0, 3, 0, 0, 0, 2, 9, 8, 7]);

    const s = await p.conn;
    s.write(Buffer.from([0, 0, 0, 2, 0, 0, 0, 0, 0xaa, 0xbb, 0, 0, 0, 1, 0, 0]));
    s.write(Buffer.from([0, 12, 0xcc]));
    const frames = await c.waitFrames(2, 2000);
    expect(frames).toEqual([
      { payload: Uint8Array.from([0xaa, 0xbb]), vnetHdrLen: 0 },
      { payload: Uint8Array.from([0xcc]), vnetHdrLen: 12 },
    ]);
    expect(await c.collect(20)).toEqual([]);
    await c.close();
    expect(c.closed).toBe(true);
  });

  test("rxVnetHdr reads without the word while writes keep it (the notify_dev asymmetry)", async () => {
    const p = await peer(where);
    const c = await FramedClient.connect(p.target, { vnetHdr: true, rxVnetHdr: false });
    await c.send(Uint8Array.from([1]), 0);
    await until(() => p.got().length >= 9);
    expect([...p.got()]).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1]);
    (await p.conn).write(Buffer.from([0, 0, 0, 2, 0x41, 0x42]));
    expect(await c.waitFrames(1, 2000)).toEqual([{ payload: Uint8Array.from([0x41, 0x42]), vnetHdrLen: 0 }]);
    await c.close();
  });

  test("waitFrames rejects naming the endpoint and the count; a zero-length frame is reported", async () => {
    const p = await peer(where);
    const c = await FramedClient.connect(p.target, { vnetHdr: false });
    (await p.conn).write(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 7]));
    await expect(c.waitFrames(2, 100)).rejects.toThrow(/got 1 of 2 frames within 100 ms/);
    expect(c.errors.map((e) => e.code)).toEqual(["ERR_WIRE_ZERO_LENGTH_FRAME"]);
    expect(c.drain()).toEqual([{ payload: Uint8Array.from([7]), vnetHdrLen: 0 }]);
    await c.close();
  });
});

test("connect() to a missing unix socket fails naming it", async () => {
  await expect(FramedClient.connect("/nonexistent/colod.sock", { vnetHdr: false })).rejects.toThrow(
    /cannot connect to unix:\/nonexistent\/colod\.sock/,
  );
});

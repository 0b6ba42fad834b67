// notify_dev over real unix sockets against a fake COLO frame that speaks the wire codec (qemu-colo.md 4.8):
// plain and vnet (incoming frames carry the vnet word, outgoing never), both socket roles.

import { mkdtempSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, FrameDecoder, parseEndpoint } from "@colod/wire";
import { afterEach, describe, expect, test } from "vitest";
import { Notifier, type NotifyDevEvent, notifyDevSink } from "./index.js";

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const ascii = (s: string) => new TextEncoder().encode(s);
const sockPath = () => join(mkdtempSync(join(tmpdir(), "colod-notify-")), "notify.sock");

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The COLO frame's end: raw bytes it receives, and how it frames what it sends. */
function frameSide(socket: Socket, vnetHdr: boolean) {
  const chunks: Uint8Array[] = [];
  socket.on("data", (c: Uint8Array) => chunks.push(Uint8Array.from(c)));
  return {
    raw: () => Buffer.concat(chunks),
    send: (msg: string) => socket.write(encode(ascii(msg), 0, { vnetHdr })),
  };
}

/** A fake COLO frame listening on a unix socket; colod's notify_dev connects to it. */
async function fakeFrameServer(path: string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(path, () => r()));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return sockets;
}

// Exact bytes from qemu-colo.md 4.8: 00 00 00 0d "DO_CHECKPOINT", 00 00 00 19 "COLO_COMPARE_GET_XEN_INIT".
const DO_CHECKPOINT_BYTES = Buffer.concat([Buffer.from([0, 0, 0, 0x0d]), Buffer.from("DO_CHECKPOINT")]);
const XEN_INIT_BYTES = Buffer.concat([
  Buffer.from([0, 0, 0, 0x19]),
  Buffer.from("COLO_COMPARE_GET_XEN_INIT"),
]);

for (const vnetHdr of [false, true]) {
  describe(`notify_dev, vnetHdr=${vnetHdr}`, () => {
    test("handshake reply, DO_CHECKPOINT out without the vnet word, COLO_CHECKPOINT in, unknown counted", async () => {
      const path = sockPath();
      const sockets = await fakeFrameServer(path);
      const events: NotifyDevEvent[] = [];
      let checkpoints = 0;
      const sink = notifyDevSink({
        endpoint: parseEndpoint(`unix:${path}`),
        vnetHdr,
        onCheckpoint: () => checkpoints++,
        onEvent: (e) => events.push(e),
      });
      closers.push(() => sink.close());
      await sink.channel.ready();
      await waitFor(() => sockets.length === 1, "accept");
      const frame = frameSide(sockets[0]!, vnetHdr);

      frame.send("COLO_USERSPACE_PROXY_INIT");
      await waitFor(() => frame.raw().length === XEN_INIT_BYTES.length, "handshake reply");
      expect(frame.raw()).toEqual(XEN_INIT_BYTES);

      await sink.send({ reason: "divergence", at: 0 });
      await waitFor(
        () => frame.raw().length === XEN_INIT_BYTES.length + DO_CHECKPOINT_BYTES.length,
        "DO_CHECKPOINT",
      );
      expect(frame.raw().subarray(XEN_INIT_BYTES.length)).toEqual(DO_CHECKPOINT_BYTES);

      frame.send("COLO_CHECKPOINT");
      await waitFor(() => checkpoints === 1, "onCheckpoint");

      frame.send("COLO_CHECKPOINT\0"); // with a NUL it is not the message (exact length match)
      frame.send("HELLO");
      await waitFor(() => sink.stats.unsupported === 2, "two unsupported instructions");
      const errs = events
        .filter((e) => e.type === "error")
        .map((e) => (e.type === "error" ? e.error : undefined));
      expect(errs.map((e) => e?.code)).toEqual([
        "ERR_NOTIFY_UNSUPPORTED_INSTRUCTION",
        "ERR_NOTIFY_UNSUPPORTED_INSTRUCTION",
      ]);
      expect(errs[0]!.message).toContain('"COLO_CHECKPOINT\\x00"');
      expect(errs[1]!.message).toContain(`unix:${path}`);
      expect(checkpoints).toBe(1);
      expect(sink.stats).toEqual({ requestsSent: 1, checkpoints: 1, handshakes: 1, unsupported: 2 });
    });
  });
}

test("with vnetHdr on, a frame side that omits the vnet word gets no handshake reply (QEMU's asymmetry)", async () => {
  const path = sockPath();
  const sockets = await fakeFrameServer(path);
  const sink = notifyDevSink({
    endpoint: parseEndpoint(`unix:${path}`),
    vnetHdr: true,
    onCheckpoint: () => {},
  });
  closers.push(() => sink.close());
  await waitFor(() => sockets.length === 1, "accept");
  const frame = frameSide(sockets[0]!, false); // wrong framing for this configuration
  frame.send("COLO_USERSPACE_PROXY_INIT");
  await new Promise((r) => setTimeout(r, 100));
  expect(frame.raw().length).toBe(0);
  expect(sink.stats.handshakes).toBe(0);
});

test("server role: requests made before the frame connects collapse into one DO_CHECKPOINT sent on connect", async () => {
  const path = sockPath();
  const sink = notifyDevSink({
    endpoint: parseEndpoint(`unix:${path},server=on`),
    vnetHdr: false,
    onCheckpoint: () => {},
  });
  closers.push(() => sink.close());
  await sink.channel.listening;
  for (let i = 0; i < 3; i++) await sink.send({ reason: "timeout", at: i });
  const s = await new Promise<Socket>((resolve) => {
    const c = connect(path, () => resolve(c));
  });
  closers.push(() => void s.destroy());
  const frame = frameSide(s, false);
  await waitFor(() => frame.raw().length >= DO_CHECKPOINT_BYTES.length, "DO_CHECKPOINT");
  await new Promise((r) => setTimeout(r, 50));
  expect(frame.raw()).toEqual(DO_CHECKPOINT_BYTES);
});

test("end to end with the Notifier: COLO_CHECKPOINT ends the hold, so the next divergence goes out at once", async () => {
  const path = sockPath();
  const sockets = await fakeFrameServer(path);
  let t = 0;
  const notifier = new Notifier({ holdMs: 1000, now: () => t });
  const sink = notifyDevSink({
    endpoint: parseEndpoint(`unix:${path}`),
    vnetHdr: true,
    onCheckpoint: () => notifier.checkpointDone(),
  });
  notifier.addSink(sink);
  closers.push(() => notifier.close());
  await sink.channel.ready();
  await waitFor(() => sockets.length === 1, "accept");
  const frame = frameSide(sockets[0]!, true);
  const dec: string[] = [];
  const d = new FrameDecoder({ vnetHdr: false, onFrame: (p) => dec.push(new TextDecoder().decode(p)) });
  sockets[0]!.on("data", (c: Uint8Array) => d.push(c));

  expect(notifier.request("divergence")).toBe(true);
  t = 10;
  expect(notifier.request("divergence")).toBe(false);
  await waitFor(() => dec.length === 1, "first DO_CHECKPOINT");
  frame.send("COLO_CHECKPOINT");
  await waitFor(() => notifier.stats.checkpoints === 1, "checkpoint");
  t = 20;
  expect(notifier.request("divergence")).toBe(true);
  await waitFor(() => dec.length === 2, "second DO_CHECKPOINT");
  expect(dec).toEqual(["DO_CHECKPOINT", "DO_CHECKPOINT"]);
});

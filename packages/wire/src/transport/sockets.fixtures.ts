// Test helpers: real sockets and frame collectors (no mocks). Not part of the build.
import { mkdtempSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrameDecoder } from "../decoder.js";
import type { ChannelEvent } from "./types.js";

/** A fresh unix socket path in its own temporary directory. */
export function sockPath(name: string): string {
  return join(mkdtempSync(join(tmpdir(), "colod-wire-")), name);
}

/** Polls `cond` until true; fails after `ms` with `what` in the message. */
export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A frame as received, copied so later chunks cannot alter it. */
export interface Got {
  payload: Uint8Array;
  vnet: number;
}

/** Collects frames and events delivered to a channel's callbacks. */
export function collector() {
  const frames: Got[] = [];
  const events: ChannelEvent[] = [];
  return {
    frames,
    events,
    onFrame: (payload: Uint8Array, vnet: number) => frames.push({ payload: Uint8Array.from(payload), vnet }),
    onEvent: (ev: ChannelEvent) => events.push(ev),
    count: (type: ChannelEvent["type"]) => events.filter((e) => e.type === type).length,
  };
}

/** A payload of `len` bytes whose first four bytes are `seq` (big-endian), the rest a pattern. */
export function payload(seq: number, len = 60): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (seq * 7 + i) & 0xff;
  new DataView(p.buffer).setUint32(0, seq);
  return p;
}

export function seqOf(p: Uint8Array): number {
  return new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0);
}

/** Connects a plain socket (the peer side of a server channel). */
export function rawConnect(target: string | number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = typeof target === "string" ? connect(target) : connect(target, "127.0.0.1");
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** A plain listening socket (the peer side of a client channel) that records its connections. */
export async function rawListen(
  target: string | number,
): Promise<{ server: Server; sockets: Socket[]; port: number }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    s.on("error", () => {});
    sockets.push(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (typeof target === "string") server.listen(target, () => resolve());
    else server.listen(target, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  return { server, sockets, port: typeof a === "object" && a ? a.port : 0 };
}

/** Decodes everything `socket` receives, as a peer would. */
export function readFrames(socket: Socket, vnetHdr: boolean) {
  const frames: Got[] = [];
  const chunks: Uint8Array[] = [];
  const dec = new FrameDecoder({
    vnetHdr,
    onFrame: (p, v) => frames.push({ payload: Uint8Array.from(p), vnet: v }),
  });
  socket.on("data", (chunk: Uint8Array) => {
    chunks.push(Uint8Array.from(chunk));
    dec.push(chunk);
  });
  return { frames, chunks, raw: () => Buffer.concat(chunks) };
}

/** Writes `bytes` to `socket` one byte per write (each its own chunk on the wire, as far as timing allows). */
export async function writeBytewise(socket: Socket, bytes: Uint8Array): Promise<void> {
  for (let i = 0; i < bytes.length; i++) {
    await new Promise<void>((r) => socket.write(bytes.subarray(i, i + 1), () => r()));
  }
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

// Fault tests against the colod process: a stalled outdev reader, peers that go away and come back, garbage.
// Nothing may be lost or reordered, memory stays bounded, and the daemon keeps running.
import { readFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { buildFrame } from "@colod/packet";
import { encode, FrameDecoder } from "@colod/wire";
import { afterEach, describe, expect, test } from "vitest";
import { type ColodProcess, socketDir, startColod, startColodSockets } from "../harness/colod.js";
import { FramedClient } from "../harness/framed-client.js";

const live: ColodProcess[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await Promise.resolve(c()).catch(() => {});
  await Promise.all(live.splice(0).map((c) => c.cleanup()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UDP frame whose payload carries its sequence number (and padding to `size` bytes of payload). */
function numbered(i: number, size = 64): Uint8Array {
  const payload = new Uint8Array(size);
  new DataView(payload.buffer).setUint32(0, i);
  return buildFrame({ proto: "udp", sport: 7000, dport: 7001, payload });
}
// -1 for frames that are not ours (garbage the primary sent is released uncompared, as SPEC 4 says).
const seqOf = (f: Uint8Array) =>
  f.length >= 46 && f[23] === 17 ? new DataView(f.buffer, f.byteOffset + 42, 4).getUint32(0) : -1;

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

/** A raw outdev reader that can stop reading (to stall colod) and keeps only sequence numbers. */
function reader(path: string): Promise<{ sock: Socket; seqs: number[] }> {
  return new Promise((resolve, reject) => {
    const seqs: number[] = [];
    const dec = new FrameDecoder({ vnetHdr: false, onFrame: (p) => seqs.push(seqOf(p)) });
    const sock = connect(path, () => resolve({ sock, seqs }));
    sock.on("data", (d: Uint8Array) => dec.push(d));
    sock.once("error", reject);
    closers.push(() => sock.destroy());
  });
}

/** Writes `frames` to a socket as fast as it accepts them (honouring back-pressure, no unbounded buffering here). */
async function pump(
  sock: Socket,
  frames: (i: number) => Uint8Array,
  from: number,
  to: number,
): Promise<void> {
  for (let i = from; i < to; i++) {
    if (!sock.write(encode(frames(i), 0, { vnetHdr: false })))
      await new Promise((r) => sock.once("drain", r));
  }
}

function rawClient(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once("error", reject);
    closers.push(() => s.destroy());
  });
}

async function start(extra: string[] = [], notify = false) {
  const { colod, sock } = await startColodSockets(
    ["--compare-timeout", "60000", "--max-queue-size", "100000", ...extra],
    {
      notify,
    },
  );
  live.push(colod);
  return { colod, sock };
}

describe("colod under faults", () => {
  test("a stalled outdev reader pauses the inputs: memory bounded, nothing lost, nothing reordered", async () => {
    const { colod, sock } = await start();
    const out = await reader(sock("out"));
    out.sock.pause(); // the reader stalls
    const N = 60_000; // 60k pairs of 1 KiB frames: 60 MiB offered per input while outdev reads nothing
    const frame = (i: number) => numbered(i, 1000);
    const pri = await rawClient(sock("pri"));
    const sec = await rawClient(sock("sec"));
    const before = peakRss(colod.proc.pid!);
    let done = false;
    const sending = Promise.all([pump(pri, frame, 0, N), pump(sec, frame, 0, N)]).then(() => {
      done = true;
    });
    await sleep(2000);
    expect(done).toBe(false); // colod stopped reading: the senders are blocked by back-pressure
    const stalledPeak = peakRss(colod.proc.pid!);
    out.sock.resume();
    await sending;
    const t0 = Date.now();
    while (out.seqs.length < N && Date.now() - t0 < 30_000) await sleep(50);
    expect(out.seqs.length).toBe(N);
    expect(out.seqs.every((s, i) => s === i)).toBe(true);
    console.log(
      `stalled outdev: colod peak RSS grew ${((stalledPeak - before) / 2 ** 20).toFixed(1)} MiB while 2 x ${N} KiB were offered`,
    );
    // Bounded: the stall held a few MiB (high-water mark plus socket buffers), not the 120 MiB offered.
    expect(stalledPeak - before).toBeLessThan(48 * 2 ** 20);
    expect(colod.proc.exitCode).toBeNull();
  });

  test("outdev goes away and comes back: frames released meanwhile wait for it, in order", async () => {
    const { colod, sock } = await start();
    const pri = await FramedClient.connect(sock("pri"), { vnetHdr: false });
    const sec = await FramedClient.connect(sock("sec"), { vnetHdr: false });
    closers.push(
      () => pri.close(),
      () => sec.close(),
    );
    let out = await reader(sock("out"));
    for (let i = 0; i < 10; i++) await pri.send(numbered(i)).then(() => sec.send(numbered(i)));
    while (out.seqs.length < 10) await sleep(20);
    out.sock.destroy();
    await colod.waitEvent("channel.disconnected");
    for (let i = 10; i < 30; i++) await pri.send(numbered(i)).then(() => sec.send(numbered(i)));
    await sleep(300);
    out = await reader(sock("out"));
    const t0 = Date.now();
    while (out.seqs.length < 20 && Date.now() - t0 < 5000) await sleep(20);
    expect(out.seqs).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
  });

  test("primary and secondary restart: comparison resumes on the new connections", async () => {
    const { colod, sock } = await start();
    const out = await reader(sock("out"));
    for (let round = 0; round < 3; round++) {
      const pri = await FramedClient.connect(sock("pri"), { vnetHdr: false });
      const sec = await FramedClient.connect(sock("sec"), { vnetHdr: false });
      for (let i = round * 5; i < round * 5 + 5; i++) {
        await pri.send(numbered(i));
        await sec.send(numbered(i));
      }
      const want = round * 5 + 5;
      const t0 = Date.now();
      while (out.seqs.length < want && Date.now() - t0 < 5000) await sleep(20);
      expect(out.seqs.length).toBe(want);
      const seen = colod.events("channel.disconnected").length;
      await pri.close();
      await sec.close();
      while (colod.events("channel.disconnected").length < seen + 2) await sleep(20);
    }
    expect(out.seqs).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  test("colod as a reconnecting client: the outdev server restarts and delivery resumes, nothing lost", async () => {
    const dir = socketDir();
    const sock = (n: string) => join(dir, `${n}.sock`);
    const got: number[] = [];
    const accepted: Socket[] = [];
    const serve = () =>
      new Promise<Server>((resolve) => {
        const srv = createServer((s) => {
          accepted.push(s);
          const dec = new FrameDecoder({ vnetHdr: false, onFrame: (p) => got.push(seqOf(p)) });
          s.on("data", (d: Uint8Array) => dec.push(d));
        });
        srv.listen(sock("out"), () => resolve(srv));
      });
    let srv = await serve();
    closers.push(
      () => srv.close(),
      () => {
        for (const s of accepted) s.destroy();
      },
    );
    const colod = await startColod(
      [
        "compare",
        "--primary-in",
        `unix:${sock("pri")},server=on`,
        "--secondary-in",
        `unix:${sock("sec")},server=on`,
        "--outdev",
        `unix:${sock("out")},reconnect=1`,
        "--compare-timeout",
        "60000",
      ],
      { dir },
    );
    live.push(colod);
    const pri = await FramedClient.connect(sock("pri"), { vnetHdr: false });
    const sec = await FramedClient.connect(sock("sec"), { vnetHdr: false });
    closers.push(
      () => pri.close(),
      () => sec.close(),
    );
    await pri.send(numbered(0));
    await sec.send(numbered(0));
    while (got.length < 1) await sleep(20);
    // The outdev server goes away; colod keeps comparing and holds what it releases.
    await new Promise((r) => {
      srv.close(r);
      for (const s of accepted.splice(0)) s.destroy();
    });
    await colod.waitEvent("channel.disconnected");
    for (let i = 1; i <= 5; i++) {
      await pri.send(numbered(i));
      await sec.send(numbered(i));
    }
    await sleep(200);
    srv = await serve(); // back: colod reconnects within its reconnect=1 period and delivers the rest in order
    const t0 = Date.now();
    while (got.length < 6 && Date.now() - t0 < 8000) await sleep(50);
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(colod.proc.exitCode).toBeNull();
  });

  test("the COLO frame's notify connection restarts: requests and COLO_CHECKPOINT work on the new one", async () => {
    const { colod, sock } = await start(["--expired-scan-cycle", "100"], true);
    const out = await reader(sock("out"));
    const pri = await FramedClient.connect(sock("pri"), { vnetHdr: false });
    const sec = await FramedClient.connect(sock("sec"), { vnetHdr: false });
    let nfy = await FramedClient.connect(sock("nfy"), { vnetHdr: false });
    closers.push(
      () => pri.close(),
      () => sec.close(),
      () => nfy.close(),
    );
    await nfy.close();
    await colod.waitEvent("channel.disconnected");
    nfy = await FramedClient.connect(sock("nfy"), { vnetHdr: false });
    await pri.send(numbered(1, 64));
    await sec.send(numbered(1, 65)); // a different payload length: a divergence
    const [req] = await nfy.waitFrames(1, 5000);
    expect(new TextDecoder().decode(req!.payload)).toBe("DO_CHECKPOINT");
    await nfy.send(new TextEncoder().encode("COLO_CHECKPOINT"));
    const t0 = Date.now();
    while (out.seqs.length < 1 && Date.now() - t0 < 5000) await sleep(20);
    expect(out.seqs).toEqual([1]);
  });

  test("a flood of garbage on the primary: the daemon keeps running and the pair keeps working", async () => {
    const { colod, sock } = await start();
    const out = await reader(sock("out"));
    let x = 12345;
    for (let round = 0; round < 20; round++) {
      const g = await rawClient(sock("pri"));
      const junk = new Uint8Array(4096);
      for (let i = 0; i < junk.length; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        junk[i] = x >>> 24;
      }
      // Start with plausible small frames so some get parsed, then noise.
      g.write(encode(junk.subarray(0, 30), 0, { vnetHdr: false }));
      g.write(junk);
      await new Promise((r) => setTimeout(r, 20));
      g.destroy();
      while (colod.events("channel.disconnected").length <= round) await sleep(10);
    }
    const pri = await FramedClient.connect(sock("pri"), { vnetHdr: false });
    const sec = await FramedClient.connect(sock("sec"), { vnetHdr: false });
    closers.push(
      () => pri.close(),
      () => sec.close(),
    );
    await pri.send(numbered(42));
    await sec.send(numbered(42));
    const t0 = Date.now();
    while (!out.seqs.includes(42) && Date.now() - t0 < 5000) await sleep(20);
    expect(out.seqs).toContain(42);
    expect(colod.proc.exitCode).toBeNull();
  });
});

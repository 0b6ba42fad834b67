// The control socket (QMP conventions) and the Prometheus endpoint of the real colod process.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { buildFrame } from "@colod/packet";
import { afterEach, describe, expect, test } from "vitest";
import { type ColodProcess, socketDir, startColodSockets } from "../harness/colod.js";
import { FramedClient } from "../harness/framed-client.js";

const live: ColodProcess[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await Promise.resolve(c()).catch(() => {});
  await Promise.all(live.splice(0).map((c) => c.cleanup()));
});

/** A minimal QMP client: JSON lines over the unix socket. */
class Qmp {
  private buf = "";
  readonly msgs: Record<string, unknown>[] = [];
  private constructor(readonly sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf("\n"); i >= 0; i = this.buf.indexOf("\n")) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (line) this.msgs.push(JSON.parse(line));
      }
    });
  }
  static open(path: string): Promise<Qmp> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new Qmp(s)));
      s.once("error", reject);
    });
  }
  async next(
    pred: (m: Record<string, unknown>) => boolean,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const t0 = Date.now();
    for (;;) {
      const i = this.msgs.findIndex(pred);
      if (i >= 0) return this.msgs.splice(i, 1)[0]!;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`no matching QMP message; got ${JSON.stringify(this.msgs)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  private id = 0;
  async exec(execute: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = ++this.id;
    this.sock.write(`${JSON.stringify({ execute, arguments: args, id })}\n`);
    return this.next((m) => m.id === id);
  }
}

const udp = (sport: number, payload: string) => buildFrame({ proto: "udp", sport, dport: 53, payload });

describe("control socket and metrics of the colod process", () => {
  test("QMP: greeting, capabilities, counters, checkpoint, passthrough rules, request events; metrics scrape", async () => {
    const dir = socketDir(); // removed with the colod process
    const qmpPath = join(dir, "qmp.sock");
    const { colod, sock } = await startColodSockets(
      ["--compare-timeout", "60000", "--name", "vm1", "--control", qmpPath, "--metrics", "127.0.0.1:0"],
      { dir },
    );
    live.push(colod);
    expect(statSync(qmpPath).mode & 0o777).toBe(0o600);
    const qmp = await Qmp.open(qmpPath);
    closers.push(() => qmp.sock.destroy());
    const greeting = await qmp.next((m) => "QMP" in m);
    expect(greeting.QMP).toMatchObject({ capabilities: [] });
    expect((await qmp.exec("query-colod-status")).error).toMatchObject({ class: "CommandNotFound" });
    expect(await qmp.exec("qmp_capabilities")).toMatchObject({ return: {} });

    const pri = await FramedClient.connect(sock("pri"), { vnetHdr: false });
    const sec = await FramedClient.connect(sock("sec"), { vnetHdr: false });
    const out = await FramedClient.connect(sock("out"), { vnetHdr: false });
    closers.push(
      () => pri.close(),
      () => sec.close(),
      () => out.close(),
    );

    // Divergence capture started at run time: the diverging pair lands in a pcap file.
    const pcapFile = join(dir, "div.pcap");
    expect(await qmp.exec("colod-pcap-start", { file: pcapFile })).toMatchObject({
      return: { file: pcapFile },
    });

    // A divergence: held, and announced as an event.
    await pri.send(udp(1000, "A"));
    await sec.send(udp(1000, "B"));
    const ev = await qmp.next((m) => m.event === "COLOD_CHECKPOINT_REQUEST");
    expect(ev.data).toMatchObject({
      reason: "divergence",
      instance: "vm1",
      connection: { protocol: 17, sport: 1000, dport: 53 },
    });
    const counters = (await qmp.exec("query-colod-counters")).return as Record<string, unknown>[];
    expect(counters[0]).toMatchObject({
      instance: "vm1",
      divergences: 1,
      "frames-in": { primary: 1, secondary: 1 },
    });

    expect(await qmp.exec("colod-pcap-stop")).toMatchObject({ return: {} });
    const tshark = spawnSync(
      "tshark",
      ["-r", pcapFile, "-d", "udp.port==53,data", "-T", "fields", "-e", "data.data"],
      { encoding: "utf8" },
    );
    expect(tshark.status).toBe(0);
    expect(tshark.stdout.trim().split("\n")).toEqual(["41", "42"]); // payload "A" (primary), then "B" (secondary)

    // colod-checkpoint flushes what is held.
    expect(await qmp.exec("colod-checkpoint")).toMatchObject({ return: { instances: ["vm1"] } });
    expect((await out.waitFrames(1, 5000))[0]!.payload).toEqual(udp(1000, "A"));

    // A passthrough rule: that flow's primary frames leave at once, uncompared; deleting it restores comparison.
    const add = (await qmp.exec("colod-passthrough-add", { protocol: "udp", source: { port: 2000 } }))
      .return as { id: number };
    expect((await qmp.exec("colod-passthrough-list")).return).toEqual([
      { id: add.id, protocol: "udp", source: { port: 2000 } },
    ]);
    await pri.send(udp(2000, "no twin needed"));
    expect((await out.waitFrames(1, 5000))[0]!.payload).toEqual(udp(2000, "no twin needed"));
    expect(await qmp.exec("colod-passthrough-del", { id: add.id })).toMatchObject({ return: {} });
    expect((await qmp.exec("colod-passthrough-del", { id: add.id })).error).toMatchObject({
      class: "GenericError",
    });
    await pri.send(udp(2000, "compared again"));
    await new Promise((r) => setTimeout(r, 300));
    expect(out.drain()).toEqual([]);

    // Prometheus: the same counters over HTTP.
    const url = colod.events("metrics.listening")[0]?.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/colod_divergences_total\{instance="vm1"\} 1\b/);
    expect(text).toMatch(/colod_released_frames_total\{instance="vm1"\} 2\b/);
    expect(text).toMatch(/colod_release_latency_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} [1-9]/);
  });
});

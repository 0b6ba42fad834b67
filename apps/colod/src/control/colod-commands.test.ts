import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { ColodCounters } from "../obs/counters.js";
import { LatencyHistogram } from "../obs/latency.js";
import { DivergencePcap } from "../obs/pcap.js";
import { type ColodControlApi, emitCheckpointRequest, registerColodCommands } from "./colod-commands.js";
import { QmpCommandError } from "./errors.js";
import { matchesPassthrough, type PassthroughEntry, type PassthroughRule } from "./passthrough.js";
import { LineClient, tempDir } from "./qmp-client.fixtures.js";
import { QmpServer } from "./qmp-server.js";

/** A small in-memory daemon behind the API: real state, so replies come from what the commands did. */
class FakeDaemon implements ColodControlApi {
  rules = new Map<number, PassthroughRule>();
  next = 1;
  flushes: (string | undefined)[] = [];
  held = 5;
  status() {
    return { version: "0.1.0", state: "running" as const, uptime: 12, instances: [{ name: "colo0" }] };
  }
  counters(): ColodCounters[] {
    return [
      {
        instance: "colo0",
        framesIn: { primary: 10, secondary: 9 },
        released: { frames: 8, bytes: 800 },
        comparedBytes: 640,
        divergences: 1,
        timeouts: 0,
        drops: { queue_full: 1 },
        checkpointRequests: { divergence: 1 },
        checkpoints: this.flushes.length,
        held: { primaryFrames: this.held, primaryBytes: 500, secondaryFrames: 0, secondaryBytes: 0 },
        connections: 2,
        releaseLatency: new LatencyHistogram([0.001]).snapshot(),
      },
    ];
  }
  checkpoint(instance?: string) {
    this.flushes.push(instance);
    const released = this.held;
    this.held = 0;
    return { released };
  }
  passthroughAdd(rule: PassthroughRule) {
    const id = this.next++;
    this.rules.set(id, rule);
    return id;
  }
  passthroughDel(id: number) {
    return this.rules.delete(id);
  }
  passthroughList(): PassthroughEntry[] {
    return [...this.rules].map(([id, rule]) => ({ id, rule }));
  }
  pcap: DivergencePcap | undefined;
  pcapStart(file: string, maxPairs?: number) {
    if (this.pcap) throw new QmpCommandError(`A capture to ${this.pcap.path} is running; stop it first`);
    this.pcap = new DivergencePcap({ path: file, maxPairs });
    return {};
  }
  async pcapStop() {
    const p = this.pcap;
    if (!p) throw new QmpCommandError("No capture is running");
    this.pcap = undefined;
    await p.close();
    return { file: p.path, pairs: p.pairs, skipped: p.skipped };
  }
}

let dir: { dir: string; remove: () => void };
let server: QmpServer;
let daemon: FakeDaemon;
let c: LineClient;

beforeEach(async () => {
  dir = tempDir();
  server = new QmpServer({ path: join(dir.dir, "qmp") });
  daemon = new FakeDaemon();
  registerColodCommands(server, daemon);
  await server.listen();
  c = await LineClient.negotiated(server.path);
});

afterEach(async () => {
  c.close();
  await server.close();
  dir.remove();
});

describe("colod commands", () => {
  test("are listed by query-commands", async () => {
    const names = (await c.execute("query-commands")).return.map((e: { name: string }) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "query-colod-status",
        "query-colod-counters",
        "colod-checkpoint",
        "colod-passthrough-add",
        "colod-passthrough-del",
        "colod-passthrough-list",
      ]),
    );
  });

  test("query-colod-status and query-colod-counters (QAPI-style dashed member names)", async () => {
    expect(await c.execute("query-colod-status")).toEqual({
      return: { version: "0.1.0", state: "running", uptime: 12, instances: [{ name: "colo0" }] },
    });
    const r = await c.execute("query-colod-counters");
    expect(r.return).toHaveLength(1);
    expect(r.return[0]).toMatchObject({
      instance: "colo0",
      "frames-in": { primary: 10, secondary: 9 },
      "compared-bytes": 640,
      drops: { queue_full: 1 },
      "checkpoint-requests": { divergence: 1 },
      held: { "primary-frames": 5, "primary-bytes": 500 },
      "release-latency": { bounds: [0.001], counts: [0, 0], sum: 0 },
    });
    expect((await c.execute("query-colod-counters", { instance: "colo0" })).return).toHaveLength(1);
    expect(await c.execute("query-colod-counters", { instance: "nope" })).toEqual({
      error: { class: "GenericError", desc: "No colod instance 'nope'" },
    });
  });

  test("colod-checkpoint triggers a flush and returns what the daemon reports", async () => {
    expect(await c.execute("colod-checkpoint")).toEqual({ return: { released: 5 } });
    expect(await c.execute("colod-checkpoint", { instance: "colo0" })).toEqual({ return: { released: 0 } });
    expect(daemon.flushes).toEqual([undefined, "colo0"]);
    expect((await c.execute("query-colod-counters")).return[0].checkpoints).toBe(2);
    expect((await c.execute("colod-checkpoint", { instance: 3 })).error.desc).toBe(
      "Invalid parameter type for 'instance', expected: string",
    );
  });

  test("passthrough add, list, del round trip with every part optional", async () => {
    const full = {
      protocol: "tcp",
      source: { host: "192.168.1.10", port: 22 },
      destination: { host: "10.0.0.1", port: "8080" },
    };
    expect(await c.execute("colod-passthrough-add", full)).toEqual({ return: { id: 1 } });
    expect(await c.execute("colod-passthrough-add", { protocol: "udp", destination: { port: 53 } })).toEqual({
      return: { id: 2 },
    });
    expect(await c.execute("colod-passthrough-add", { protocol: 47 })).toEqual({ return: { id: 3 } });
    expect(daemon.rules.get(1)).toEqual({
      protocol: 6,
      srcAddr: 0xc0a8010a,
      srcPort: 22,
      dstAddr: 0x0a000001,
      dstPort: 8080,
    });
    expect((await c.execute("colod-passthrough-list")).return).toEqual([
      {
        id: 1,
        protocol: "tcp",
        source: { host: "192.168.1.10", port: 22 },
        destination: { host: "10.0.0.1", port: 8080 },
      },
      { id: 2, protocol: "udp", destination: { port: 53 } },
      { id: 3, protocol: "47" },
    ]);
    expect(await c.execute("colod-passthrough-del", { id: 2 })).toEqual({ return: {} });
    expect(await c.execute("colod-passthrough-del", { id: 2 })).toEqual({
      error: { class: "GenericError", desc: "No passthrough rule with id 2" },
    });
    expect((await c.execute("colod-passthrough-list")).return.map((e: { id: number }) => e.id)).toEqual([
      1, 3,
    ]);
  });

  test("bad passthrough arguments name the member", async () => {
    const desc = async (args: Record<string, unknown>) =>
      (await c.execute("colod-passthrough-add", args)).error?.desc;
    expect(await desc({ protocol: "sctp" })).toBe(
      "Parameter 'protocol' expects tcp, udp, icmp or a protocol number 0-255",
    );
    expect(await desc({ source: { host: "300.1.1.1" } })).toBe(
      "Parameter 'source.host' expects an IPv4 address a.b.c.d",
    );
    expect(await desc({ destination: { port: 70000 } })).toBe(
      "Parameter 'destination.port' expects a port number 0-65535",
    );
    expect(await desc({ source: { addr: "1.2.3.4" } })).toBe("Parameter 'source.addr' is unexpected");
    expect(await desc({ src: "1.2.3.4" })).toBe("Parameter 'src' is unexpected");
    expect((await c.execute("colod-passthrough-del", {})).error.desc).toBe("Parameter 'id' is missing");
    expect(daemon.rules.size).toBe(0);
  });

  test("COLOD_CHECKPOINT_REQUEST carries reason, connection and instance", async () => {
    const other = await LineClient.negotiated(server.path);
    const conn = { protocol: 6, src: "10.0.0.1", sport: 40000, dst: "10.0.0.2", dport: 80 };
    emitCheckpointRequest(server, { reason: "divergence", connection: conn, instance: "colo0" });
    emitCheckpointRequest(server, { reason: "timeout" });
    for (const client of [c, other]) {
      const e1 = await client.next();
      expect(e1).toMatchObject({
        event: "COLOD_CHECKPOINT_REQUEST",
        data: { reason: "divergence", connection: conn, instance: "colo0" },
      });
      expect(typeof e1.timestamp.seconds).toBe("number");
      expect((await client.next()).data).toEqual({ reason: "timeout" });
    }
    other.close();
  });
});

describe("run-time pcap", () => {
  test("colod-pcap-start and colod-pcap-stop drive a real capture; bad paths are command errors", async () => {
    const file = join(dir.dir, "live.pcap");
    expect(await c.execute("colod-pcap-start", { file, "max-pairs": 1 })).toEqual({ return: {} });
    expect((await c.execute("colod-pcap-start", { file })).error.desc).toMatch(/is running; stop it first/);
    const frame = new Uint8Array(60).fill(7);
    daemon.pcap?.writePair({ primary: frame, secondary: frame });
    daemon.pcap?.writePair({ primary: frame, secondary: frame });
    expect(await c.execute("colod-pcap-stop")).toEqual({ return: { file, pairs: 1, skipped: 1 } });
    expect(statSync(file).size).toBe(24 + 2 * (16 + 60));
    const bad = await c.execute("colod-pcap-start", { file: join(dir.dir, "missing", "x.pcap") });
    expect(bad.error.class).toBe("GenericError");
    expect(bad.error.desc).toMatch(/missing\/x\.pcap/);
    expect((await c.execute("colod-pcap-start", {})).error.desc).toBe("Parameter 'file' is missing");
  });

  test("are not registered when the daemon does not offer them", async () => {
    const bare = new QmpServer({ path: join(dir.dir, "bare") });
    const none = () => [];
    registerColodCommands(bare, {
      status: () => ({ version: "0", state: "running", uptime: 0 }),
      counters: none,
      checkpoint: none,
      passthroughAdd: () => 1,
      passthroughDel: () => false,
      passthroughList: none,
    });
    expect(bare.commandNames()).not.toContain("colod-pcap-start");
    expect(server.commandNames()).toEqual(expect.arrayContaining(["colod-pcap-start", "colod-pcap-stop"]));
  });
});

describe("matchesPassthrough", () => {
  test("absent members are wildcards", () => {
    const flow = [6, 0x0a000001, 1234, 0x0a000002, 80] as const;
    expect(matchesPassthrough({}, ...flow)).toBe(true);
    expect(matchesPassthrough({ protocol: 6, dstPort: 80 }, ...flow)).toBe(true);
    expect(matchesPassthrough({ protocol: 17, dstPort: 80 }, ...flow)).toBe(false);
    expect(matchesPassthrough({ srcAddr: 0x0a000001, srcPort: 1234 }, ...flow)).toBe(true);
    expect(matchesPassthrough({ srcAddr: 0x0a000002 }, ...flow)).toBe(false);
    expect(matchesPassthrough({ dstAddr: 0x0a000002, dstPort: 81 }, ...flow)).toBe(false);
  });
});

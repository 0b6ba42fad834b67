import { buildArp } from "@colod/packet";
import { expect, test } from "vitest";
import { Comparator } from "./comparator.js";
import { CompareOptionError, CompareReentrancyError } from "./errors.js";
import { ctl, rig, TcpFlag, tcp, udp } from "./harness.fixtures.js";

test("timer scan: a held frame older than the timeout requests a checkpoint, again at every later scan", () => {
  const { cmp, rec, clock } = rig({ compareTimeoutMs: 1000 });
  cmp.pushPrimary(udp("a"), 0);
  clock.t += 1000;
  cmp.scan();
  expect(rec.requests).toEqual([]); // strictly older
  clock.t += 1;
  cmp.scan();
  cmp.scan();
  expect(rec.requests.map((r) => r.reason)).toEqual(["timeout", "timeout"]);
  // A plain, serialisable 5-tuple (no back-reference to engine state).
  expect(JSON.parse(JSON.stringify(rec.requests[0]!.conn))).toEqual({
    id: 1,
    proto: 17,
    srcAddr: 0x0a000001,
    dstAddr: 0x0a000002,
    srcPort: 1234,
    dstPort: 5678,
  });
  cmp.checkpoint();
  cmp.scan();
  expect(rec.requests).toHaveLength(2);
  expect(cmp.counters().timeouts).toBe(2);
});

test("timer scan also looks at held secondary frames, TCP included", () => {
  const { cmp, rec, clock } = rig({ compareTimeoutMs: 10 });
  cmp.pushSecondary(tcp(100, "late"), 0);
  clock.t += 11;
  cmp.scan();
  expect(rec.requests.map((r) => r.reason)).toEqual(["timeout"]);
});

test("one timeout request per scan however many frames are old", () => {
  const { cmp, rec, clock } = rig({ compareTimeoutMs: 10 });
  for (let i = 0; i < 5; i++) cmp.pushPrimary(udp("x", { sport: 100 + i }), 0);
  clock.t += 50;
  cmp.scan();
  expect(rec.requests).toHaveLength(1);
});

test("checkpoint releases connections in creation order, each in arrival order (not QEMU's newest first)", () => {
  const { cmp, rec } = rig();
  const a1 = udp("A", { sport: 1 });
  const b1 = udp("B", { sport: 2 });
  const a2 = udp("C", { sport: 1 });
  const a3 = udp("D", { sport: 1 });
  for (const f of [a1, b1, a2, a3]) cmp.pushPrimary(f, 0);
  cmp.pushSecondary(udp("zzz", { sport: 2 }), 0);
  cmp.checkpoint();
  expect(rec.released).toEqual([a1, a2, a3, b1]);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([["secondary", "checkpoint"]]);
  expect(cmp.heldFrames).toBe(0);
  expect(cmp.counters()).toMatchObject({ checkpoints: 1, releasedByFlush: 4 });
});

test("flushAll releases every held primary frame exactly once (shutdown)", () => {
  const { cmp, rec } = rig();
  const u = udp("u");
  const t = tcp(5, "t");
  cmp.pushPrimary(u, 0);
  cmp.pushPrimary(t, 0);
  cmp.flushAll();
  cmp.flushAll();
  expect(rec.released).toEqual([u, t]);
  expect(cmp.counters().checkpoints).toBe(0);
});

test("exact queue capacity: the (max+1)th primary frame is dropped, counted and requested; held ones stay", () => {
  const { cmp, rec } = rig({ maxQueueSize: 2 });
  const f = [udp("1"), udp("2"), udp("3"), udp("4")];
  for (const x of f) cmp.pushPrimary(x, 0);
  expect(cmp.counters().heldPrimaryFrames).toBe(2);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([
    ["primary", "queue-full"],
    ["primary", "queue-full"],
  ]);
  expect(rec.drops[0]!.frame).toBe(f[2]);
  expect(rec.requests.map((r) => r.reason)).toEqual(["queue-full", "queue-full"]);
  cmp.checkpoint();
  expect(rec.released).toEqual([f[0], f[1]]);
});

test("exact queue capacity applies to the secondary side and to TCP", () => {
  const { cmp, rec } = rig({ maxQueueSize: 1 });
  cmp.pushSecondary(tcp(100, "a"), 0);
  cmp.pushSecondary(tcp(101, "b"), 0);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([["secondary", "queue-full"]]);
  expect(cmp.counters().drops["queue-full"]).toBe(1);
});

test("table full of busy connections: the arrival is dropped and counted, a request made, nothing wiped", () => {
  const { cmp, rec } = rig({ maxConnections: 2 });
  const a = udp("a", { sport: 1 });
  const b = udp("b", { sport: 2 });
  const c = udp("c", { sport: 3 });
  cmp.pushPrimary(a, 0);
  cmp.pushPrimary(b, 0);
  cmp.pushPrimary(c, 0);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([["primary", "table-full"]]);
  expect(rec.requests).toEqual([{ reason: "table-full", conn: undefined }]);
  expect(cmp.counters().heldPrimaryFrames).toBe(2);
  cmp.checkpoint();
  expect(rec.released).toEqual([a, b]);
});

test("idle connections are evicted, least recently used first, before the table counts as full", () => {
  const { cmp, rec } = rig({ maxConnections: 2 });
  cmp.pushPrimary(udp("a", { sport: 1 }), 0);
  cmp.pushSecondary(udp("a", { sport: 1 }), 0);
  const b = udp("b", { sport: 2 });
  cmp.pushPrimary(b, 0);
  const c = udp("c", { sport: 3 });
  cmp.pushPrimary(c, 0);
  expect(rec.drops).toEqual([]);
  expect(cmp.counters().connections).toBe(2);
  expect(cmp.connections().map((r) => r.srcPort)).toEqual([2, 3]);
});

test("passthrough rules: matching primary released at once, secondary dropped; removable at run time", () => {
  const { cmp, rec } = rig();
  const id = cmp.addPassthrough({ proto: "udp", dstPort: 5678, dstAddr: "10.0.0.0", dstPrefix: 24 });
  expect(cmp.listPassthrough()).toEqual([
    { id, rule: { proto: "udp", dstPort: 5678, dstAddr: "10.0.0.0", dstPrefix: 24 } },
  ]);
  const p = udp("rdp");
  cmp.pushPrimary(p, 0);
  expect(rec.released).toEqual([p]);
  cmp.pushSecondary(udp("other"), 0);
  expect(rec.drops.map((d) => d.cause)).toEqual(["passthrough"]);
  const q = udp("x", { dport: 9 });
  cmp.pushPrimary(q, 0);
  expect(rec.released).toEqual([p]);
  expect(cmp.removePassthrough(id)).toBe(true);
  expect(cmp.removePassthrough(id)).toBe(false);
  cmp.pushPrimary(udp("rdp2"), 0);
  expect(rec.released).toEqual([p]);
});

test("passthrough wildcards: a TCP rule on the source port leaves other flows compared", () => {
  const { cmp, rec } = rig();
  cmp.addPassthrough({ proto: 6, srcPort: 3389 });
  const t = tcp(1, "screen", 1, { sport: 3389 });
  cmp.pushPrimary(t, 0);
  cmp.pushPrimary(udp("x", { sport: 3389 }), 0);
  expect(rec.released).toEqual([t]);
});

test("bad passthrough rules and options throw errors with stable codes", () => {
  const { cmp } = rig();
  expect(() => cmp.addPassthrough({ dstPort: 70000 })).toThrow(CompareOptionError);
  expect(() => cmp.addPassthrough({ srcAddr: "10.0.0" })).toThrow(/srcAddr/);
  expect(() => cmp.addPassthrough({ proto: "sctp" as never })).toThrow(/proto/);
  const sink = { release() {}, checkpointRequest() {} };
  for (const bad of [
    { maxQueueSize: 0 },
    { compareTimeoutMs: -1 },
    { maxConnections: 1.5 },
    { maxConnections: 2 ** 30 },
  ]) {
    try {
      new Comparator(bad, sink);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CompareOptionError);
      expect((e as CompareOptionError).code).toBe("COMPARE_BAD_OPTION");
      expect((e as Error).name).toBe("CompareOptionError");
    }
  }
  expect(new Comparator({}, sink).options).toMatchObject({
    compareTimeoutMs: 3000,
    expiredScanCycleMs: 1000,
    maxQueueSize: 1024,
    maxConnections: 16384,
  });
});

test("a checkpoint asked for inside a sink callback runs after the call; a push inside one throws", () => {
  const released: Uint8Array[] = [];
  let cmp!: Comparator;
  cmp = new Comparator(
    {},
    {
      release: (f) => released.push(f),
      checkpointRequest: () => cmp.checkpoint(),
    },
  );
  const held = udp("one", { sport: 1 });
  cmp.pushPrimary(held, 0);
  const bad = udp("two");
  cmp.pushPrimary(bad, 0);
  cmp.pushSecondary(udp("three"), 0);
  expect(released).toEqual([held, bad]);
  expect(cmp.counters().checkpoints).toBe(1);
  const c2 = new Comparator({}, { release: () => c2.pushPrimary(udp("x"), 0), checkpointRequest() {} });
  expect(() => c2.pushPrimary(buildArp(), 0)).toThrow(CompareReentrancyError);
  c2.flushAll(); // not stuck busy after the throw
});

test("counters per connection and in total; release latency lands in fixed buckets", () => {
  const { cmp, clock } = rig();
  cmp.pushPrimary(udp("abc"), 0);
  clock.t += 7;
  cmp.pushSecondary(udp("abc"), 0);
  cmp.pushPrimary(ctl(1, TcpFlag.ACK, 0), 0);
  cmp.pushPrimary(buildArp(), 0);
  const t = cmp.counters();
  expect(t).toMatchObject({
    primaryIn: 3,
    secondaryIn: 1,
    released: 2,
    releasedUncompared: 1,
    comparedBytes: 11,
  });
  expect(t).toMatchObject({ heldFrames: 1, heldPrimaryFrames: 1, connections: 2, checkpointsRequested: 0 });
  expect(t).toMatchObject({ heldBytes: 54, heldPrimaryBytes: 54, heldSecondaryBytes: 0 });
  expect(cmp.heldBytes).toBe(54);
  const rows = cmp.connections();
  expect(rows.map((r) => [r.proto, r.primaryIn, r.released, r.heldFrames])).toEqual([
    [17, 1, 1, 0],
    [6, 1, 0, 1],
  ]);
  const h = cmp.releaseLatency();
  expect(h.count).toBe(1);
  expect(h.sumMs).toBe(7);
  expect(h.counts[h.bounds.indexOf(10)]).toBe(1);
  expect(h.counts).toHaveLength(h.bounds.length + 1);
});

test("a checkpoint asked for while a checkpoint is flushing runs right after it, not at some later push", () => {
  let cmp!: Comparator;
  let asked = false;
  const released: Uint8Array[] = [];
  cmp = new Comparator(
    {},
    {
      release: (f) => {
        released.push(f);
        if (!asked) {
          asked = true;
          cmp.checkpoint();
        }
      },
      checkpointRequest() {},
    },
  );
  const a = udp("a");
  cmp.pushPrimary(a, 0);
  cmp.checkpoint();
  expect(released).toEqual([a]);
  expect(cmp.counters().checkpoints).toBe(2);
  const b = udp("b");
  cmp.pushPrimary(b, 0);
  expect(released).toEqual([a]); // held: no stray flush left pending
  cmp.flushAll();
  expect(released).toEqual([a, b]);
  expect(cmp.counters().checkpoints).toBe(2);
});

import { buildFrame, TcpFlag } from "@colod/packet";
import fc from "fast-check";
import { expect, test } from "vitest";
import { rig } from "./harness.fixtures.js";
import { FC_SEED } from "./streams.fixtures.js";

/** A valid frame from a small space of flows, so that primary and secondary frames meet on connections. */
const validFrame = fc
  .record({
    proto: fc.constantFrom<"tcp" | "udp" | "icmp" | number>("tcp", "udp", "icmp", 47),
    sport: fc.integer({ min: 1, max: 3 }),
    seq: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0xffffffe0, max: 0xffffffff })),
    ack: fc.integer({ min: 0, max: 4 }),
    flags: fc.constantFrom(
      TcpFlag.ACK,
      TcpFlag.ACK | TcpFlag.PSH,
      TcpFlag.SYN,
      TcpFlag.FIN | TcpFlag.ACK,
      TcpFlag.RST,
    ),
    payload: fc.uint8Array({ maxLength: 4 }).map((b) => b.map((x) => x & 1)),
    padTo: fc.constantFrom(0, 60),
  })
  .map((s) => buildFrame(s));

/** Valid frames, mutated ones (byte flips, truncation) and raw garbage. */
const anyFrame = fc.oneof(
  { weight: 5, arbitrary: validFrame },
  {
    weight: 2,
    arbitrary: fc.tuple(validFrame, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, x]) => {
      const g = f.slice();
      g[at % g.length]! ^= x;
      return g;
    }),
  },
  { weight: 1, arbitrary: fc.tuple(validFrame, fc.nat()).map(([f, n]) => f.slice(0, n % (f.length + 1))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) },
);

type Op =
  | { k: "p" | "s"; f: Uint8Array; vnet: number }
  | { k: "scan"; dt: number }
  | { k: "checkpoint" }
  | { k: "pass"; port: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 24,
    arbitrary: fc.record({ k: fc.constantFrom<"p" | "s">("p", "s"), f: anyFrame, vnet: fc.constant(0) }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant<"scan">("scan"), dt: fc.nat({ max: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant<"checkpoint">("checkpoint") }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant<"pass">("pass"), port: fc.integer({ min: 1, max: 3 }) }),
  },
);

test("any frames in any order never throw; every primary frame is released or counted as dropped, exactly once", () => {
  const seen = { "queue-full": 0, "table-full": 0, divergence: 0, timeout: 0, matched: 0 };
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const { cmp, rec, clock } = rig({ maxQueueSize: 2, maxConnections: 4, compareTimeoutMs: 1000 });
      const primaries = new Set<Uint8Array>();
      const secondaries = new Set<Uint8Array>();
      let rule = 0;
      for (const o of ops) {
        if (o.k === "p" || o.k === "s") {
          // Each push gets its own buffer: identity tells the frames apart.
          const f = o.f.slice();
          (o.k === "p" ? primaries : secondaries).add(f);
          if (o.k === "p") cmp.pushPrimary(f, o.vnet);
          else cmp.pushSecondary(f, o.vnet);
        } else if (o.k === "scan") {
          clock.t += o.dt;
          cmp.scan();
        } else if (o.k === "checkpoint") {
          cmp.checkpoint();
        } else if (o.k === "pass" && rule === 0) {
          rule = cmp.addPassthrough({ srcPort: o.port });
        } else {
          cmp.removePassthrough(rule);
          rule = 0;
        }
      }
      cmp.flushAll();
      expect(cmp.heldFrames).toBe(0);
      expect(cmp.heldBytes).toBe(0);
      const out = new Set(rec.released);
      expect(out.size).toBe(rec.released.length);
      for (const f of rec.released) expect(secondaries.has(f)).toBe(false);
      const dropped = rec.drops.filter((d) => d.side === "primary").map((d) => d.frame);
      for (const f of dropped) expect(out.has(f)).toBe(false);
      expect(out.size + dropped.length).toBe(primaries.size);
      const c = cmp.counters();
      expect(c.primaryIn).toBe(primaries.size);
      expect(c.secondaryIn).toBe(secondaries.size);
      expect(c.released + c.primaryDrops).toBe(c.primaryIn);
      expect(c.checkpointsRequested).toBe(rec.requests.length);
      expect(c.secondaryMatched + c.secondaryDrops).toBe(c.secondaryIn);
      seen["queue-full"] += c.drops["queue-full"];
      seen["table-full"] += c.drops["table-full"];
      seen.divergence += c.divergences;
      seen.timeout += c.timeouts;
      seen.matched += c.secondaryMatched;
    }),
    { seed: FC_SEED, numRuns: 300 },
  );
  // The generator must reach the limits and both outcomes, or the invariants above prove little.
  for (const [what, n] of Object.entries(seen)) expect([what, n > 0]).toEqual([what, true]);
});

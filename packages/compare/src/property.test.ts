import fc from "fast-check";
import { expect, test } from "vitest";
import { rig } from "./harness.fixtures.js";
import {
  addNoise,
  bytes,
  type Ev,
  FC_SEED,
  type FlowFrames,
  interleave,
  tcpCase,
  tcpFlow,
  udpFlow,
} from "./streams.fixtures.js";

const TIMEOUT_MS = 1000;
/** Largest clock step between two events; timelines stay far below TIMEOUT_MS in total. */
const MAX_STEP_MS = 3;

/** Pushes a timeline with small clock steps and a scan now and then; returns the rig. */
function play(events: Ev[], steps: number[]) {
  const r = rig({ compareTimeoutMs: TIMEOUT_MS });
  events.forEach((e, i) => {
    r.clock.t += (steps[i % Math.max(1, steps.length)] ?? 0) % (MAX_STEP_MS + 1);
    if (e.primary) r.cmp.pushPrimary(e.frame, 0);
    else r.cmp.pushSecondary(e.frame, 0);
    if (i % 7 === 0) r.cmp.scan();
  });
  return r;
}

/** Asserts every primary frame was released exactly once and, per flow, in the order it was sent. */
function expectAllReleasedInOrder(flows: FlowFrames[], released: Uint8Array[]): void {
  const seen = new Set(released);
  expect(seen.size).toBe(released.length);
  const flowOf = new Map<Uint8Array, number>();
  flows.forEach((f, i) => {
    for (const e of f.pri) flowOf.set(e.frame, i);
  });
  expect(released.length).toBe(flowOf.size);
  flows.forEach((f, i) => {
    expect(released.filter((x) => flowOf.get(x) === i)).toEqual(f.pri.map((e) => e.frame));
  });
}

const udpFlows = fc.array(fc.array(bytes(40), { maxLength: 10 }), { minLength: 1, maxLength: 3 });
const tcpFlows = fc.array(tcpCase(4000), { minLength: 1, maxLength: 3 });
const picks = fc.array(fc.nat(), { maxLength: 64 });
const steps = fc.array(fc.nat({ max: MAX_STEP_MS }), { maxLength: 16 });
const params = (numRuns: number) => ({ seed: FC_SEED, numRuns });

test("identical UDP flows, any interleaving: every primary frame released once, in order, no request", () => {
  fc.assert(
    fc.property(udpFlows, picks, steps, (payloads, pk, st) => {
      const flows = payloads.map((p, i) => udpFlow(i, p));
      const { cmp, rec } = play(interleave(flows, pk), st);
      expectAllReleasedInOrder(flows, rec.released);
      expect(rec.requests).toEqual([]);
      expect(rec.drops).toEqual([]);
      expect(cmp.heldFrames).toBe(0);
    }),
    params(300),
  );
});

test("identical TCP streams, independent segmentation: every primary frame released once, in order, no request", () => {
  fc.assert(
    fc.property(tcpFlows, picks, steps, (cases, pk, st) => {
      const flows = cases.map((c, i) => tcpFlow(i, c));
      const { cmp, rec } = play(interleave(flows, pk), st);
      expectAllReleasedInOrder(flows, rec.released);
      expect(rec.requests).toEqual([]);
      expect(cmp.heldFrames).toBe(0);
      const compared = cases.reduce((n, c) => n + c.data.length, 0);
      expect(cmp.counters().comparedBytes).toBe(compared);
    }),
    params(300),
  );
});

test("identical TCP streams with pure ACKs and retransmissions on either side: all released once, no request", () => {
  const noise = fc.array(fc.nat(), { maxLength: 6 });
  const cases = fc.array(fc.record({ c: tcpCase(3000), np: noise, ns: noise }), {
    minLength: 1,
    maxLength: 3,
  });
  let retransmitDrops = 0;
  fc.assert(
    fc.property(cases, picks, steps, (cs, pk, st) => {
      const flows = cs.map(({ c, np, ns }, i) => {
        const f = tcpFlow(i, c);
        return { pri: addNoise(f.pri, np), sec: addNoise(f.sec, ns) };
      });
      const { cmp, rec } = play(interleave(flows, pk), st);
      const pushed = flows.flatMap((f) => f.pri.map((e) => e.frame));
      expect(new Set(rec.released)).toEqual(new Set(pushed));
      expect(rec.released.length).toBe(pushed.length);
      expect(rec.requests).toEqual([]);
      expect(rec.drops.filter((d) => d.side !== "secondary" || d.cause !== "retransmit")).toEqual([]);
      expect(cmp.heldFrames).toBe(0);
      retransmitDrops += rec.drops.length;
    }),
    params(300),
  );
  expect(retransmitDrops).toBeGreaterThan(0); // the generator really produced late secondary retransmissions
});

test("one corrupted secondary UDP payload byte: a request, and that frame's primary twin is never released", () => {
  const flow = fc.array(fc.uint8Array({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 10 });
  fc.assert(
    fc.property(
      flow,
      fc.nat(),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      picks,
      (rests, which, at, x, pk) => {
        // A 2-byte index makes every payload unique, so only the corrupted frame's twin can be left unmatched.
        const payloads = rests.map((r, i) => Uint8Array.from([i >> 8, i & 0xff, ...r]));
        const f = udpFlow(0, payloads);
        const w = which % payloads.length;
        const len = payloads[w]!.length;
        const bad = f.sec[w]!.frame.slice();
        bad[bad.length - len + 2 + (at % (len - 2))]! ^= x;
        f.sec[w] = { ...f.sec[w]!, frame: bad };
        const { rec } = play(interleave([f], pk), []);
        expect(rec.requests.some((r) => r.reason === "divergence")).toBe(true);
        expect(rec.released).not.toContain(f.pri[w]!.frame);
      },
    ),
    params(400),
  );
});

test("one corrupted secondary TCP byte: a request, and no primary frame covering that position is released", () => {
  const nonEmpty = tcpCase(3000).filter((c) => c.data.length > 0);
  fc.assert(
    fc.property(nonEmpty, fc.nat(), fc.integer({ min: 1, max: 255 }), picks, (c, at, x, pk) => {
      const pos = at % c.data.length;
      const f = tcpFlow(0, c);
      const i = f.sec.findIndex((e) => e.from <= pos && pos < e.to);
      const e = f.sec[i]!;
      const bad = e.frame.slice();
      bad[bad.length - (e.to - e.from) + (pos - e.from)]! ^= x;
      f.sec[i] = { ...e, frame: bad };
      const { rec } = play(interleave([f], pk), []);
      expect(rec.requests.some((r) => r.reason === "divergence")).toBe(true);
      const covering = f.pri.filter((p) => p.from <= pos && pos < p.to).map((p) => p.frame);
      for (const frame of covering) expect(rec.released).not.toContain(frame);
    }),
    params(400),
  );
});

test("a checkpoint at a random point releases every held primary frame exactly once, per flow in order", () => {
  const mixed = fc.record({
    udp: fc.array(fc.array(bytes(20), { maxLength: 8 }), { maxLength: 3 }),
    tcp: fc.array(tcpCase(3000), { maxLength: 2 }),
    // Secondary frames to garble: some flows diverge, some do not.
    garble: fc.array(fc.nat(), { maxLength: 4 }),
  });
  fc.assert(
    fc.property(mixed, picks, fc.nat(), (m, pk, cut) => {
      const flows = [...m.udp.map((p, i) => udpFlow(i, p)), ...m.tcp.map((c, i) => tcpFlow(10 + i, c))];
      for (const g of m.garble) {
        const f = flows[g % Math.max(1, flows.length)];
        if (!f || f.sec.length === 0) continue;
        const k = g % f.sec.length;
        const frame = f.sec[k]!.frame.slice();
        frame[frame.length - 1]! ^= 0x5a;
        f.sec[k] = { ...f.sec[k]!, frame };
      }
      const events = interleave(flows, pk);
      const at = events.length === 0 ? 0 : cut % (events.length + 1);
      const r = play(events.slice(0, at), []);
      r.cmp.checkpoint();
      expect(r.cmp.counters().heldPrimaryFrames).toBe(0);
      const pushed = new Set(
        events
          .slice(0, at)
          .filter((e) => e.primary)
          .map((e) => e.frame),
      );
      expect(new Set(r.rec.released)).toEqual(pushed);
      expect(r.rec.released.length).toBe(pushed.size);
      flows.forEach((f) => {
        const sent = f.pri.map((e) => e.frame).filter((x) => pushed.has(x));
        expect(r.rec.released.filter((x) => pushed.has(x) && sent.includes(x))).toEqual(sent);
      });
    }),
    params(400),
  );
});

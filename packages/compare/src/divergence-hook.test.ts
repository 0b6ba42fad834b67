// The sink's divergence hook gets the first differing pair (FIFO and TCP), for the daemon's pcap capture.
import { buildFrame, TcpFlag } from "@colod/packet";
import { expect, test } from "vitest";
import { Comparator } from "./comparator.js";
import type { ConnInfo, DivergentFrame } from "./types.js";

function rig() {
  const pairs: { p: DivergentFrame; s: DivergentFrame; conn: ConnInfo }[] = [];
  const requests: string[] = [];
  const cmp = new Comparator(
    { now: () => 0 },
    {
      release: () => {},
      checkpointRequest: (r) => requests.push(r),
      divergence: (p, s, conn) => pairs.push({ p, s, conn }),
    },
  );
  return { cmp, pairs, requests };
}

test("UDP: the held primary and the oldest secondary frame of the divergence", () => {
  const { cmp, pairs, requests } = rig();
  const p = buildFrame({ proto: "udp", sport: 1, dport: 2, payload: "primary" });
  const s = buildFrame({ proto: "udp", sport: 1, dport: 2, payload: "second!" });
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(s, 0);
  expect(requests).toEqual(["divergence"]);
  expect(pairs.length).toBe(1);
  expect(pairs[0]!.p.frame).toBe(p);
  expect(pairs[0]!.s.frame).toBe(s);
  expect(pairs[0]!.conn).toMatchObject({ proto: 17, srcPort: 1, dstPort: 2 });
});

test("TCP: the two segments whose bytes differ at the same sequence positions", () => {
  const { cmp, pairs } = rig();
  const seg = (payload: string, seq: number) =>
    buildFrame({ proto: "tcp", sport: 5, dport: 6, seq, ack: 1, flags: TcpFlag.ACK | TcpFlag.PSH, payload });
  const p1 = seg("abcdef", 100);
  const s1 = seg("abc", 100);
  const s2 = seg("dXf", 103);
  cmp.pushPrimary(p1, 0);
  cmp.pushSecondary(s1, 0);
  expect(pairs).toEqual([]);
  cmp.pushSecondary(s2, 0);
  expect(pairs.length).toBe(1);
  expect(pairs[0]!.p.frame).toBe(p1);
  expect(pairs[0]!.s.frame).toBe(s2);
});

test("no hook, no harm: a sink without it still gets the request", () => {
  const requests: string[] = [];
  const cmp = new Comparator(
    { now: () => 0 },
    { release: () => {}, checkpointRequest: (r) => requests.push(r) },
  );
  cmp.pushPrimary(buildFrame({ payload: "a" }), 0);
  cmp.pushSecondary(buildFrame({ payload: "b" }), 0);
  expect(requests).toEqual(["divergence"]);
});

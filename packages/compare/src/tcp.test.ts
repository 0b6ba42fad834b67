import { expect, test } from "vitest";
import { ctl, rig, TcpFlag, tcp } from "./harness.fixtures.js";

const { ACK, SYN, FIN, RST } = TcpFlag;

test("an identical segment is released; the consumed secondary segment is gone at once", () => {
  const { cmp, rec } = rig();
  const p = tcp(100, "abcdef", 7, { window: 100 });
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(tcp(100, "abcdef", 7, { window: 999 }), 0);
  expect(rec.released).toEqual([p]);
  expect(rec.requests).toEqual([]);
  expect(cmp.heldFrames).toBe(0);
  expect(cmp.counters().comparedBytes).toBe(6);
});

test("one primary segment against two secondary ones: held after the first, released after the second", () => {
  const { cmp, rec } = rig();
  const p = tcp(100, "ghijkl");
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(tcp(100, "ghi"), 0);
  expect(rec.released).toEqual([]);
  expect(cmp.counters().heldSecondaryFrames).toBe(0);
  cmp.pushSecondary(tcp(103, "jkl"), 0);
  expect(rec.released).toEqual([p]);
  expect(rec.requests).toEqual([]);
  expect(cmp.heldFrames).toBe(0);
});

test("two primary segments against one secondary: both released in order, secondary consumed once", () => {
  const { cmp, rec } = rig();
  const a = tcp(100, "mno");
  const b = tcp(103, "pqr");
  cmp.pushPrimary(a, 0);
  cmp.pushPrimary(b, 0);
  cmp.pushSecondary(tcp(100, "mnopqr"), 0);
  expect(rec.released).toEqual([a, b]);
  expect(cmp.heldFrames).toBe(0);
  expect(cmp.counters().secondaryMatched).toBe(1);
});

test("a range the secondary has not produced yet means wait, not divergence", () => {
  const { cmp, rec } = rig();
  const p = tcp(100, "abcdef");
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(tcp(103, "def"), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests).toEqual([]);
  cmp.pushSecondary(tcp(100, "abc"), 0);
  expect(rec.released).toEqual([p]);
  expect(cmp.heldFrames).toBe(0);
});

test("bytes at different positions are never compared with each other (QEMU's partial-overlap path does)", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(tcp(100, "abcabc"), 0);
  cmp.pushSecondary(tcp(103, "abc"), 0);
  cmp.pushSecondary(tcp(106, "abc"), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests).toEqual([]);
});

test("overlapping ranges with different bytes are a divergence, and the range is not released", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(tcp(100, "abcdef"), 0);
  cmp.pushSecondary(tcp(102, "cdXf"), 0);
  cmp.pushSecondary(tcp(100, "ab"), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
  expect(rec.requests[0]!.conn).toMatchObject({ proto: 6, srcPort: 1234, dstPort: 5678 });
});

test("a later segment is not released past a diverging one (sequence order)", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(tcp(100, "abc"), 0);
  cmp.pushPrimary(tcp(103, "def"), 0);
  cmp.pushSecondary(tcp(103, "def"), 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(tcp(100, "abX"), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
});

test("ack rule: data whose ack is ahead of the secondary's highest ack waits until it catches up", () => {
  const { cmp, rec } = rig();
  const p = tcp(100, "abc", 2000);
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(tcp(100, "abc", 1500), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests).toEqual([]);
  cmp.pushSecondary(ctl(103, ACK, 2000), 0);
  expect(rec.released).toEqual([p]);
});

test("ack rule uses the highest secondary ack, not the last one (QEMU's max_ack bug)", () => {
  const { cmp, rec } = rig();
  cmp.pushSecondary(tcp(100, "abc", 1500), 0);
  cmp.pushSecondary(tcp(103, "def", 1400), 0);
  const p = tcp(100, "abcdef", 1450);
  cmp.pushPrimary(p, 0);
  expect(rec.released).toEqual([p]);
  expect(rec.requests).toEqual([]);
});

test("ack comparison is wrap-aware", () => {
  const { cmp, rec } = rig();
  cmp.pushSecondary(tcp(100, "abc", 0xfffffff0), 0);
  cmp.pushSecondary(ctl(103, ACK, 0x10), 0);
  const p = tcp(100, "abc", 0x08);
  cmp.pushPrimary(p, 0);
  expect(rec.released).toEqual([p]);
});

test("a pure ACK waits on a fresh connection and follows the ack rule once the secondary showed traffic", () => {
  const { cmp, rec } = rig();
  const p = ctl(100, ACK, 500);
  cmp.pushPrimary(p, 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(ctl(100, ACK, 400), 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(ctl(100, ACK, 500), 0);
  expect(rec.released).toEqual([p]);
  expect(cmp.heldFrames).toBe(0);
});

test("a padded pure ACK matches an unpadded one (padding is not payload)", () => {
  const { cmp, rec } = rig();
  const p = ctl(100, ACK, 5, { padTo: 60 });
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(ctl(100, ACK, 5), 0);
  expect(rec.released).toEqual([p]);
});

test("SYN is released once the secondary sent SYN; the ISN offset is learned for guest-opened connections", () => {
  const { cmp, rec } = rig();
  const syn = ctl(1000, SYN);
  cmp.pushPrimary(syn, 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(ctl(900_000, SYN), 0);
  expect(rec.released).toEqual([syn]);
  const d = tcp(1001, "hello", 77);
  cmp.pushPrimary(d, 0);
  cmp.pushSecondary(tcp(900_001, "hello", 77), 0);
  expect(rec.released).toEqual([syn, d]);
  expect(rec.requests).toEqual([]);
});

test("offset learning works whichever SYN comes first, and across the 2^32 wrap", () => {
  const { cmp, rec } = rig();
  cmp.pushSecondary(ctl(0xfffffff0, SYN), 0);
  const syn = ctl(5, SYN);
  cmp.pushPrimary(syn, 0);
  const d = tcp(6, "0123456789abcdefghij", 1);
  cmp.pushPrimary(d, 0);
  cmp.pushSecondary(tcp(0xfffffff1, "0123456789abcdefghij", 1), 0);
  expect(rec.released).toEqual([syn, d]);
});

test("without SYNs (guest-accepted, rewriter-aligned) the offset is 0", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(tcp(1001, "x"), 0);
  cmp.pushSecondary(tcp(900_001, "x"), 0);
  expect(rec.released).toEqual([]);
});

test("FIN is released when the secondary sent FIN at the same position", () => {
  const { cmp, rec } = rig();
  const f = tcp(100, "bye", 1, { flags: FIN | ACK });
  cmp.pushPrimary(f, 0);
  cmp.pushSecondary(tcp(100, "bye"), 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(ctl(104, FIN | ACK, 1), 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(ctl(103, FIN | ACK, 1), 0);
  expect(rec.released).toEqual([f]);
});

test("RST is released when the secondary sent RST at the same position", () => {
  const { cmp, rec } = rig();
  const r = ctl(300, RST);
  cmp.pushPrimary(r, 0);
  cmp.pushSecondary(ctl(301, RST), 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(ctl(300, RST), 0);
  expect(rec.released).toEqual([r]);
});

test("retransmissions of compared bytes: primary released without comparing, secondary dropped", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(tcp(100, "abcdef"), 0);
  cmp.pushSecondary(tcp(100, "abcdef"), 0);
  const again = tcp(100, "abc");
  cmp.pushPrimary(again, 0);
  expect(rec.released.at(-1)).toBe(again);
  cmp.pushSecondary(tcp(103, "def"), 0);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([["secondary", "retransmit"]]);
  expect(cmp.heldFrames).toBe(0);
  expect(cmp.counters().comparedBytes).toBe(6);
});

test("a retransmission overlapping new bytes compares only the new bytes", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(tcp(100, "abc"), 0);
  cmp.pushSecondary(tcp(100, "abc"), 0);
  const p = tcp(101, "bcdef");
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(tcp(103, "def"), 0);
  expect(rec.released.at(-1)).toBe(p);
  expect(cmp.counters().comparedBytes).toBe(6);
});

test("each side is kept in sequence order; frames leave in sequence order", () => {
  const { cmp, rec } = rig();
  const b = tcp(103, "def");
  const a = tcp(100, "abc");
  cmp.pushPrimary(b, 0);
  cmp.pushPrimary(a, 0);
  cmp.pushSecondary(tcp(103, "def"), 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(tcp(100, "abc"), 0);
  expect(rec.released).toEqual([a, b]);
});

test("equal sequence numbers keep arrival order", () => {
  const { cmp, rec } = rig();
  const ack1 = ctl(100, ACK, 1);
  const data = tcp(100, "abc", 1);
  cmp.pushPrimary(ack1, 0);
  cmp.pushPrimary(data, 0);
  cmp.pushSecondary(tcp(100, "abc", 1), 0);
  expect(rec.released).toEqual([ack1, data]);
});

test("sequence wrap-around: segments across 2^32 compare and leave in order", () => {
  const { cmp, rec } = rig();
  const a = tcp(0xfffffffc, "abcdef");
  const b = tcp(2, "gh");
  cmp.pushPrimary(b, 0);
  cmp.pushPrimary(a, 0);
  cmp.pushSecondary(tcp(0xfffffffc, "abcd"), 0);
  cmp.pushSecondary(tcp(0, "efgh"), 0);
  expect(rec.released).toEqual([a, b]);
  expect(cmp.heldFrames).toBe(0);
});

test("checkpoint releases TCP in sequence order, drops the secondary and resets the learned offset", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(ctl(1000, SYN), 0);
  cmp.pushSecondary(ctl(5000, SYN), 0);
  const c = tcp(1007, "zz");
  const b = tcp(1001, "abcdef");
  cmp.pushPrimary(c, 0);
  cmp.pushPrimary(b, 0);
  cmp.pushSecondary(tcp(5001, "abXdef"), 0);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
  cmp.checkpoint();
  expect(rec.released.slice(1)).toEqual([b, c]);
  expect(rec.drops.map((d) => d.cause)).toEqual(["checkpoint"]);
  expect(cmp.heldFrames).toBe(0);
  const d = tcp(1009, "q");
  cmp.pushPrimary(d, 0);
  cmp.pushSecondary(tcp(1009, "q"), 0);
  expect(rec.released.at(-1)).toBe(d);
});

test("secondary bytes are consumed once: they cannot vouch for a second primary range with the same bytes", () => {
  const { cmp, rec } = rig();
  const a = tcp(100, "abc");
  const b = tcp(103, "abc");
  cmp.pushSecondary(tcp(100, "abc"), 0);
  cmp.pushPrimary(a, 0);
  cmp.pushPrimary(b, 0);
  expect(rec.released).toEqual([a]);
  expect(cmp.counters().heldSecondaryFrames).toBe(0);
  cmp.pushSecondary(tcp(103, "abc"), 0);
  expect(rec.released).toEqual([a, b]);
});

test("secondary bytes at positions the primary skipped are dropped as stale, not compared elsewhere", () => {
  const { cmp, rec } = rig();
  const a = tcp(100, "abc");
  const c = tcp(106, "ghi");
  cmp.pushPrimary(a, 0);
  cmp.pushPrimary(c, 0);
  cmp.pushSecondary(tcp(100, "abc"), 0);
  cmp.pushSecondary(tcp(103, "def"), 0);
  expect(rec.released).toEqual([a]);
  cmp.pushSecondary(tcp(106, "ghi"), 0);
  expect(rec.released).toEqual([a, c]);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([["secondary", "stale"]]);
  expect(cmp.heldFrames).toBe(0);
});

test("a full secondary queue still takes pure ACKs (they are never held)", () => {
  const { cmp, rec } = rig({ maxQueueSize: 1 });
  const p = tcp(100, "abc", 9);
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(tcp(200, "zz", 1), 0);
  cmp.pushSecondary(tcp(100, "abc", 1), 0);
  expect(rec.drops.map((d) => d.cause)).toEqual(["queue-full"]);
  cmp.pushSecondary(ctl(100, TcpFlag.ACK, 9), 0);
  expect(rec.drops).toHaveLength(1);
});

test("TCP behind a vnet header: the header is neither compared nor stripped", () => {
  const { cmp, rec } = rig();
  const p = tcp(100, "vnet", 1, { vnetHdr: new Uint8Array(12).fill(1) });
  cmp.pushPrimary(p, 12);
  cmp.pushSecondary(tcp(100, "vnet", 1, { vnetHdr: new Uint8Array(10).fill(2) }), 10);
  expect(rec.released).toEqual([p]);
  expect(rec.requests).toEqual([]);
});

import { buildArp, buildFrame, buildIpv6Udp } from "@colod/packet";
import { expect, test } from "vitest";
import { rig, udp } from "./harness.fixtures.js";

test("identical UDP frames: the primary frame is released byte-for-byte, the secondary consumed", () => {
  const { cmp, rec } = rig();
  const p = udp("hello", { ipId: 7, ttl: 64 });
  cmp.pushPrimary(p, 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(udp("hello", { ipId: 99, ttl: 3, tos: 4 }), 0);
  expect(rec.released).toHaveLength(1);
  expect(rec.released[0]).toBe(p);
  expect(rec.requests).toEqual([]);
  expect(cmp.heldFrames).toBe(0);
  expect(cmp.counters().secondaryMatched).toBe(1);
});

test("a different UDP payload is a divergence and nothing is released", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(udp("hello"), 0);
  cmp.pushSecondary(udp("hellp"), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
  expect(rec.requests[0]!.conn).toMatchObject({ proto: 17, srcPort: 1234, dstPort: 5678 });
  expect(cmp.counters().divergences).toBe(1);
});

test("UDP header differences (checksum, length) are compared; MACs, IP ID and TTL are not", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(udp("x", { srcMac: "52:54:00:00:00:01" }), 0);
  cmp.pushSecondary(udp("x", { srcMac: "52:54:00:00:00:09", ipId: 5 }), 0);
  expect(rec.released).toHaveLength(1);
  const other = udp("y");
  const s = udp("y");
  s[14 + 20 + 6]! ^= 0xff; // UDP checksum, high byte
  cmp.pushPrimary(other, 0);
  cmp.pushSecondary(s, 0);
  expect(rec.released).toHaveLength(1);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
});

test("oldest primary first (not QEMU's LIFO): a lagging secondary gives no false checkpoint and keeps order", () => {
  const { cmp, rec } = rig();
  const one = udp("one");
  const two = udp("two");
  cmp.pushPrimary(one, 0);
  cmp.pushPrimary(two, 0);
  cmp.pushSecondary(udp("one"), 0);
  expect(rec.requests).toEqual([]);
  expect(rec.released).toEqual([one]);
  cmp.pushSecondary(udp("two"), 0);
  expect(rec.released).toEqual([one, two]);
});

test("the secondary queue is searched oldest first and a match consumes exactly that frame", () => {
  const { cmp, rec } = rig();
  cmp.pushSecondary(udp("b"), 0);
  cmp.pushSecondary(udp("a"), 0);
  const a = udp("a");
  cmp.pushPrimary(a, 0);
  expect(rec.released).toEqual([a]);
  expect(cmp.counters().heldSecondaryFrames).toBe(1);
  const b = udp("b");
  cmp.pushPrimary(b, 0);
  expect(rec.released).toEqual([a, b]);
  expect(cmp.heldFrames).toBe(0);
});

test("no match stops the round: a later primary frame is not compared past a diverging one", () => {
  const { cmp, rec } = rig();
  cmp.pushPrimary(udp("bad"), 0);
  cmp.pushPrimary(udp("ok"), 0);
  cmp.pushSecondary(udp("ok"), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
});

test("Ethernet padding is not compared: a padded primary matches an unpadded secondary", () => {
  const { cmp, rec } = rig();
  const p = udp("pad", { padTo: 60 });
  expect(p.length).toBe(60);
  cmp.pushPrimary(p, 0);
  const s = udp("pad");
  expect(s.length).toBeLessThan(60);
  cmp.pushSecondary(s, 0);
  expect(rec.released).toEqual([p]);
});

test("the vnet header is not compared and is released with the frame", () => {
  const { cmp, rec } = rig();
  const body = udp("v");
  const p = new Uint8Array(12 + body.length);
  p.fill(0xaa, 0, 12);
  p.set(body, 12);
  cmp.pushPrimary(p, 12);
  cmp.pushSecondary(body, 0);
  expect(rec.released).toEqual([p]);
});

test("flows are separate connections (exact 5-tuple, no direction folding)", () => {
  const { cmp, rec } = rig();
  const a = udp("x", { sport: 1 });
  cmp.pushPrimary(a, 0);
  cmp.pushSecondary(udp("x", { sport: 2 }), 0);
  expect(rec.released).toEqual([]);
  expect(rec.requests).toEqual([]);
  const rev = udp("x", { src: "10.0.0.2", dst: "10.0.0.1", sport: 5678, dport: 1 });
  cmp.pushSecondary(rev, 0);
  expect(rec.released).toEqual([]);
  cmp.pushSecondary(udp("x", { sport: 1 }), 0);
  expect(rec.released).toEqual([a]);
  expect(cmp.counters().connections).toBe(3);
});

test("ICMP compares from the ICMP header: a different echo sequence diverges", () => {
  const { cmp, rec } = rig();
  const p = buildFrame({ proto: "icmp", sport: 1, dport: 1, payload: "ping" });
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(buildFrame({ proto: "icmp", sport: 1, dport: 2, payload: "ping" }), 0);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
  cmp.pushSecondary(buildFrame({ proto: "icmp", sport: 1, dport: 1, payload: "ping", ttl: 9 }), 0);
  expect(rec.released).toEqual([p]);
});

test("other protocols compare the IP payload only (QEMU compares the whole frame)", () => {
  const { cmp, rec } = rig();
  const p = buildFrame({ proto: 47, payload: "gre!", ipId: 1, dstMac: "52:54:00:00:00:07" });
  cmp.pushPrimary(p, 0);
  cmp.pushSecondary(buildFrame({ proto: 47, payload: "gre!", ipId: 2 }), 0);
  expect(rec.released).toEqual([p]);
  expect(rec.requests).toEqual([]);
});

test("unsupported frames: primary released at once, secondary dropped", () => {
  const { cmp, rec } = rig();
  const arp = buildArp();
  const v6 = buildIpv6Udp({ payload: "x" });
  const vlan = buildFrame({ vlan: 10, payload: "x" });
  const runt = new Uint8Array(10);
  for (const f of [arp, v6, vlan, runt]) cmp.pushPrimary(f, 0);
  cmp.pushPrimary(udp("big vnet"), 21);
  expect(rec.released).toHaveLength(5);
  expect(rec.released[0]).toBe(arp);
  cmp.pushSecondary(buildArp(), 0);
  cmp.pushSecondary(new Uint8Array(0), 0);
  expect(rec.released).toHaveLength(5);
  expect(rec.drops.map((d) => [d.side, d.cause])).toEqual([
    ["secondary", "unsupported"],
    ["secondary", "unsupported"],
  ]);
  expect(cmp.counters().releasedUncompared).toBe(5);
  expect(cmp.heldFrames).toBe(0);
});

test("malformed IPv4 is compared as opaque bytes: equal frames release, any byte difference diverges", () => {
  const { cmp, rec } = rig();
  const bad = udp("abc");
  bad[14] = 0x44; // IHL 4 (< 5)
  const twin = bad.slice();
  cmp.pushPrimary(bad, 0);
  cmp.pushSecondary(twin, 0);
  expect(rec.released).toEqual([bad]);
  const bad2 = bad.slice();
  const twin2 = bad.slice();
  twin2[14 + 4]! ^= 1; // IP ID: compared for a malformed frame (opaque)
  cmp.pushPrimary(bad2, 0);
  cmp.pushSecondary(twin2, 0);
  expect(rec.released).toEqual([bad]);
  expect(rec.requests.map((r) => r.reason)).toEqual(["divergence"]);
});

test("a truncated TCP header is compared opaquely, never read out of bounds", () => {
  const { cmp, rec } = rig();
  const full = buildFrame({ proto: "tcp", payload: "" });
  const cut = full.slice(0, 14 + 20 + 10);
  cut[14 + 3] = 20 + 10; // IP total length covers the 10 TCP bytes present
  cmp.pushPrimary(cut, 0);
  cmp.pushSecondary(cut.slice(), 0);
  expect(rec.released).toEqual([cut]);
});

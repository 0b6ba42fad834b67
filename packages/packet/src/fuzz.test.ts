// Fuzzes the parser with random and mutated frames: it must never throw, every record must satisfy the
// invariants, and it must agree with a slow reference classifier written straight from SPEC 4/5.
// Reproduce a failure with COLOD_FUZZ_SEED=<seed printed in the message>.
import { expect, test } from "vitest";
import { violation } from "./invariants.fixtures.js";
import { badFixtures, unsupportedFixtures, validFixtures, vnetFixtures } from "./packet.fixtures.js";
import { newPacketInfo, parse } from "./parse.js";
import { FrameClass, FrameIssue, type PacketInfo } from "./types.js";

const ITERATIONS = 100_000;

/** xorshift32: small, seedable, good enough to spread mutations. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

interface Ref {
  cls: number;
  issue: number;
  cmpStart: number;
  cmpEnd: number;
  srcPort: number;
  dstPort: number;
  ipProto: number;
}

/** Reference classifier: DataView reads (which throw when out of bounds), one rule per line. */
function reference(frame: Uint8Array, vnet: number): Ref {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const len = frame.length;
  const r: Ref = {
    cls: FrameClass.Unsupported,
    issue: 0,
    cmpStart: 0,
    cmpEnd: 0,
    srcPort: 0,
    dstPort: 0,
    ipProto: 0,
  };
  if (!Number.isInteger(vnet) || vnet < 0 || vnet > 20) return { ...r, issue: FrameIssue.VnetHeaderTooLong };
  if (len < vnet + 14) return { ...r, issue: FrameIssue.Runt };
  const et = dv.getUint16(vnet + 12);
  if (et === 0x8100 || et === 0x88a8) return { ...r, issue: FrameIssue.Vlan };
  if (et !== 0x0800) return { ...r, issue: FrameIssue.NotIpv4 };
  const ip = vnet + 14;
  const bad = (issue: number): Ref => {
    return { ...r, cls: FrameClass.Malformed, issue, cmpStart: vnet, cmpEnd: len, srcPort: 0, dstPort: 0 };
  };
  if (len - ip < 20) return bad(FrameIssue.TruncatedIpHeader);
  r.ipProto = dv.getUint8(ip + 9);
  if (dv.getUint8(ip) >> 4 !== 4) return bad(FrameIssue.TruncatedIpHeader);
  const hl = (dv.getUint8(ip) & 15) * 4;
  if (hl < 20) return bad(FrameIssue.BadIhl);
  const total = dv.getUint16(ip + 2);
  if (total < hl || ip + total > len) return bad(FrameIssue.BadTotalLength);
  const l4 = ip + hl;
  const end = ip + total;
  const opaque = (cls: number): Ref => ({ ...r, cls, cmpStart: l4, cmpEnd: end });
  if ((dv.getUint16(ip + 6) & 0x1fff) !== 0) return opaque(FrameClass.Other);
  const need = r.ipProto === 6 ? 20 : r.ipProto === 17 || r.ipProto === 1 ? 8 : 0;
  if (end - l4 < need) return bad(FrameIssue.TruncatedL4Header);
  if (r.ipProto === 1) return opaque(FrameClass.Icmp);
  if (r.ipProto !== 6 && r.ipProto !== 17) return opaque(FrameClass.Other);
  r.srcPort = dv.getUint16(l4);
  r.dstPort = dv.getUint16(l4 + 2);
  if (r.ipProto === 17) return opaque(FrameClass.Udp);
  const thl = (dv.getUint8(l4 + 12) >> 4) * 4;
  if (thl < 20 || l4 + thl > end) return bad(FrameIssue.BadTcpDataOffset);
  return { ...r, cls: FrameClass.Tcp, cmpStart: l4 + thl, cmpEnd: end };
}

const seeds = [...validFixtures, ...unsupportedFixtures, ...badFixtures, ...vnetFixtures];
const VNETS = [0, 0, 0, 10, 12, 20, 24, 21, -1, 3];

function mutated(rand: () => number): [Uint8Array, number] {
  const f = seeds[Math.floor(rand() * seeds.length)]!;
  let frame = f.frame.slice();
  for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) {
    const op = rand();
    const at = Math.floor(rand() * Math.min(frame.length + 1, rand() < 0.8 ? 80 : 2000));
    if (op < 0.7 && frame.length > 0) frame[at % frame.length] = Math.floor(rand() * 256);
    else if (op < 0.85) frame = frame.subarray(0, at);
    else
      frame = Uint8Array.from([...frame, ...Array.from({ length: at % 40 }, () => Math.floor(rand() * 256))]);
  }
  return [frame, rand() < 0.9 ? f.vnetHdrLen : VNETS[Math.floor(rand() * VNETS.length)]!];
}

function random(rand: () => number): [Uint8Array, number] {
  const vnet = VNETS[Math.floor(rand() * VNETS.length)]!;
  const frame = Uint8Array.from({ length: Math.floor(rand() * 130) }, () => Math.floor(rand() * 256));
  const base = Math.max(vnet, 0);
  if (rand() < 0.7 && frame.length > base + 24) {
    frame[base + 12] = 0x08;
    frame[base + 13] = 0x00;
    frame[base + 14] = rand() < 0.8 ? 0x45 : 0x40 | (frame[base + 14]! & 15);
    frame[base + 23] = [1, 6, 17, 47, frame[base + 23]!][Math.floor(rand() * 5)]!;
    if (rand() < 0.6) frame[base + 20] = frame[base + 21] = 0; // mostly unfragmented
  }
  return [frame, vnet];
}

function compare(info: PacketInfo, ref: Ref): string | undefined {
  for (const k of Object.keys(ref) as (keyof Ref)[]) {
    if (info[k] !== ref[k]) return `${k}: parser ${info[k]}, reference ${ref[k]}`;
  }
  return undefined;
}

test(`fuzz: ${ITERATIONS} random and mutated frames never throw and agree with the reference`, () => {
  const seed = Number(process.env.COLOD_FUZZ_SEED ?? Math.floor(Math.random() * 0xffffffff));
  const rand = prng(seed);
  const info = newPacketInfo();
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < ITERATIONS; i++) {
    const [frame, vnet] = rand() < 0.5 ? mutated(rand) : random(rand);
    let problem: string | undefined;
    try {
      parse(frame, vnet, info);
      problem = violation(info, frame) ?? compare(info, reference(frame, vnet));
    } catch (e) {
      problem = `threw ${String(e)}`;
    }
    if (problem) {
      const hex = Buffer.from(frame).toString("hex");
      expect.fail(`COLOD_FUZZ_SEED=${seed} iteration ${i} vnet ${vnet}: ${problem}\nframe ${hex}`);
    }
    counts[info.cls]! += 1;
  }
  // The generator must reach every class, or the fuzz proves little.
  expect(
    counts.every((c) => c > 100),
    `class counts ${counts} (seed ${seed})`,
  ).toBe(true);
});

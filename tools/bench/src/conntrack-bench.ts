// Connection-table throughput: lookups per second through @colod/conntrack's ConnTable with 1k and 100k
// live connections (hits, random order), plus create-with-eviction churn on a full table.
//   npx tsc --build tools/bench && node tools/bench/dist/conntrack-bench.js   |  bun ...  |  deno run -A ...
import { ConnTable } from "@colod/conntrack";
import { newPacketInfo, type PacketInfo } from "@colod/packet";
import { measure, rate, runtimeLabel } from "./runtime.js";

/**
 * Operations per second of CPU time this process got (process.cpuUsage: Node, Bun and Deno all have it),
 * best of three 600 ms runs after a warm-up. The bench machine is shared, so wall-clock rates mostly
 * measure how often we were scheduled; CPU time measures the code.
 */
function best(ops: number, fn: () => void): number {
  measure(ops, fn, 200);
  let top = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = process.cpuUsage();
    let n = 0;
    let us = 0;
    for (; us < 600_000; n++) {
      fn();
      const d = process.cpuUsage(t0);
      us = d.user + d.system;
    }
    top = Math.max(top, (n * ops) / (us / 1e6));
  }
  return top;
}

const BATCH = 4096;

/** Words per key in a key array: proto, src, dst, srcPort (dstPort is always 443). */
const KW = 4;

/** n distinct keys, packed (what a capture loop parses into its one reused record, frame after frame). */
function keys(n: number): Uint32Array {
  const k = new Uint32Array(n * KW);
  for (let i = 0; i < n; i++) {
    k[i * KW] = i % 4 === 0 ? 17 : 6;
    k[i * KW + 1] = 0x0a000000 + (i >>> 8);
    k[i * KW + 2] = 0xc0a80001;
    k[i * KW + 3] = 1024 + (i & 0xff) * 97;
  }
  return k;
}

/**
 * BATCH keys picked pseudo-randomly from `all`, copied in visiting order: the table sees random
 * access, while the bench's own key reads stay sequential (a parsed frame's key is always hot).
 */
function visits(all: Uint32Array): Uint32Array {
  const n = all.length / KW;
  const v = new Uint32Array(BATCH * KW);
  let s = 0x9e3779b9;
  for (let i = 0; i < BATCH; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v.set(all.subarray((s % n) * KW, (s % n) * KW + KW), i * KW);
  }
  return v;
}

/** Loads key i of a packed key array into the reused record, as parse() would. */
function load(info: PacketInfo, k: Uint32Array, i: number): PacketInfo {
  const o = i * KW;
  info.ipProto = k[o]!;
  info.srcAddr = k[o + 1]!;
  info.dstAddr = k[o + 2]!;
  info.srcPort = k[o + 3]!;
  info.dstPort = 443;
  return info;
}

function newTable(capacity: number) {
  return new ConnTable<{ n: number }>({ capacity, init: () => ({ n: 0 }), isIdle: () => true });
}

console.log(`conntrack-bench on ${runtimeLabel()} (per CPU-second)`);
const info = newPacketInfo();
for (const n of [1_000, 100_000]) {
  const t = newTable(Math.max(16384, n));
  const ks = keys(n);
  for (let i = 0; i < n; i++) t.lookupOrCreate(load(info, ks, i));
  const vs = visits(ks);
  let sink = 0;
  const hits = best(BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += t.lookupOrCreate(load(info, vs, i))!.id;
  });
  const peeks = best(BATCH, () => {
    for (let i = 0; i < BATCH; i++) {
      const o = i * KW;
      sink += t.lookup(vs[o]!, vs[o + 1]!, vs[o + 2]!, vs[o + 3]!, 443)!.id;
    }
  });
  if (sink === 0 || t.size !== n) throw new Error("conntrack bench found nothing");
  console.log(
    `  ${String(n).padStart(6)} connections: lookupOrCreate ${rate(hits)}lookups/s, lookup ${rate(peeks)}lookups/s`,
  );
}
{
  const t = newTable(1_000);
  const ks = keys(2_000);
  let i = 0;
  const churn = best(BATCH, () => {
    for (let j = 0; j < BATCH; j++) t.lookupOrCreate(load(info, ks, i++ % 2_000));
  });
  console.log(`  churn (1k table, 2k keys cycling, every op creates + evicts): ${rate(churn)}ops/s`);
}

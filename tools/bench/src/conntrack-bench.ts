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

/** Key columns (what a capture loop parses into its one reused record, frame after frame). */
interface Keys {
  n: number;
  proto: Uint8Array;
  src: Uint32Array;
  dst: Uint32Array;
  sport: Uint16Array;
}

function keys(n: number): Keys {
  const k = {
    n,
    proto: new Uint8Array(n),
    src: new Uint32Array(n),
    dst: new Uint32Array(n),
    sport: new Uint16Array(n),
  };
  for (let i = 0; i < n; i++) {
    k.proto[i] = i % 4 === 0 ? 17 : 6;
    k.src[i] = 0x0a000000 + (i >>> 8);
    k.dst[i] = 0xc0a80001;
    k.sport[i] = 1024 + (i & 0xff) * 97;
  }
  return k;
}

/** Loads key i into the reused record, as parse() would. */
function load(info: PacketInfo, k: Keys, i: number): PacketInfo {
  info.ipProto = k.proto[i]!;
  info.srcAddr = k.src[i]!;
  info.dstAddr = k.dst[i]!;
  info.srcPort = k.sport[i]!;
  info.dstPort = 443;
  return info;
}

/** A pseudo-random visiting order so lookups do not walk memory sequentially. */
function order(n: number): Int32Array {
  const o = new Int32Array(BATCH);
  let s = 0x9e3779b9;
  for (let i = 0; i < BATCH; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    o[i] = s % n;
  }
  return o;
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
  const ord = order(n);
  let sink = 0;
  const hits = best(BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += t.lookupOrCreate(load(info, ks, ord[i]!))!.id;
  });
  const peeks = best(BATCH, () => {
    for (let i = 0; i < BATCH; i++) {
      const j = ord[i]!;
      sink += t.lookup(ks.proto[j]!, ks.src[j]!, ks.dst[j]!, ks.sport[j]!, 443)!.id;
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
    for (let j = 0; j < BATCH; j++) t.lookupOrCreate(load(info, ks, i++ % ks.n));
  });
  console.log(`  churn (1k table, 2k keys cycling, every op creates + evicts): ${rate(churn)}ops/s`);
}

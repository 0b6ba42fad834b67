// Comparator throughput: primary/secondary pairs per second through @colod/compare's engine, no sockets.
// UDP with 64 B payloads over 1000 flows (lockstep, and the secondary lagging 256 frames behind) and TCP with
// 1448 B segments over 50 flows (same segmentation, and the secondary split in two). Also the byte-compare
// micro-benchmark that chose NATIVE_COMPARE_MIN in packages/compare/src/bytes.ts.
//   npx tsc --build tools/bench && node tools/bench/dist/compare-bench.js   |  bun ...  |  deno run -A ...
import { Buffer } from "node:buffer";
import { Comparator, type CompareSink } from "@colod/compare";
import { buildFrame, newPacketInfo, parse } from "@colod/packet";
import { measure, rate, runtimeLabel } from "./runtime.js";

const BATCH = 4096;

/** A sink that counts; a benchmark that released nothing or asked for checkpoints is wrong, not fast. */
function countingSink() {
  const c = { released: 0, requests: 0, drops: 0 };
  const sink: CompareSink = {
    release: () => void c.released++,
    drop: () => void c.drops++,
    checkpointRequest: () => void c.requests++,
  };
  return { c, sink };
}

function check(
  name: string,
  c: { released: number; requests: number; drops: number },
  cmp: Comparator,
): void {
  if (c.released === 0 || c.requests !== 0 || c.drops !== 0) {
    throw new Error(
      `${name}: released ${c.released}, requests ${c.requests}, drops ${c.drops}: bench is broken`,
    );
  }
  if (cmp.counters().heldPrimaryFrames > 1024) throw new Error(`${name}: frames pile up`);
}

function payload(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  let s = seed | 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    p[i] = s >>> 24;
  }
  return p;
}

function udpBench(flows: number, lag: number): void {
  const pri: Uint8Array[] = [];
  const sec: Uint8Array[] = [];
  for (let f = 0; f < flows; f++) {
    const spec = { proto: "udp" as const, sport: 1024 + f, dport: 53, payload: payload(64, f) };
    pri.push(buildFrame({ ...spec, ipId: f }));
    sec.push(buildFrame({ ...spec, ipId: 0xffff - f, ttl: 63 }));
  }
  const { c, sink } = countingSink();
  const cmp = new Comparator({}, sink);
  let i = 0;
  const pps = measure(BATCH, () => {
    for (let k = 0; k < BATCH; k++, i++) {
      cmp.pushPrimary(pri[i % flows]!, 0);
      if (i >= lag) cmp.pushSecondary(sec[(i - lag) % flows]!, 0);
    }
  });
  const name = `UDP   64 B x ${flows} flows, secondary ${lag ? `${lag} frames behind` : "lockstep"}`;
  check(name, c, cmp);
  console.log(`  ${name.padEnd(56)} ${rate(pps)}pairs/s`);
}

/** Rewrites seq/ack in place: the engine no longer holds these buffers once the pair was released. */
function setSeqAck(frame: Uint8Array, l4: number, seq: number, ack: number): void {
  for (let i = 0; i < 4; i++) {
    frame[l4 + 4 + i] = seq >>> (24 - 8 * i);
    frame[l4 + 8 + i] = ack >>> (24 - 8 * i);
  }
}

function tcpBench(flows: number, secondaryParts: 1 | 2): void {
  const seg = 1448;
  const half = seg / 2;
  const info = newPacketInfo();
  const pri: Uint8Array[] = [];
  const secA: Uint8Array[] = [];
  const secB: Uint8Array[] = [];
  const seq = new Uint32Array(flows);
  let l4 = 0;
  for (let f = 0; f < flows; f++) {
    const data = payload(seg, f);
    const spec = { proto: "tcp" as const, sport: 40000 + f, dport: 443, ack: 1 };
    pri.push(buildFrame({ ...spec, payload: data }));
    secA.push(buildFrame({ ...spec, payload: secondaryParts === 1 ? data : data.subarray(0, half) }));
    secB.push(buildFrame({ ...spec, payload: data.subarray(half) }));
    seq[f] = Math.imul(f, 0x9e3779b9) >>> 0;
    l4 = parse(pri[f]!, 0, info).l4Offset;
  }
  const { c, sink } = countingSink();
  const cmp = new Comparator({}, sink);
  let i = 0;
  const pps = measure(BATCH, () => {
    for (let k = 0; k < BATCH; k++, i++) {
      const f = i % flows;
      const s = seq[f]!;
      const ack = (s + 7) >>> 0;
      setSeqAck(pri[f]!, l4, s, ack);
      cmp.pushPrimary(pri[f]!, 0);
      if (secondaryParts === 1) {
        setSeqAck(secA[f]!, l4, s, ack);
        cmp.pushSecondary(secA[f]!, 0);
      } else {
        setSeqAck(secA[f]!, l4, s, ack);
        cmp.pushSecondary(secA[f]!, 0);
        setSeqAck(secB[f]!, l4, s + half, ack);
        cmp.pushSecondary(secB[f]!, 0);
      }
      seq[f] = (s + seg) >>> 0;
    }
  });
  const name = `TCP 1448 B x ${flows} flows, secondary ${secondaryParts === 1 ? "same segments" : "split in two"}`;
  check(name, c, cmp);
  console.log(
    `  ${name.padEnd(56)} ${rate(pps)}pairs/s  ${((pps * seg * 8) / 1e9).toFixed(2)} Gbit/s of compared payload`,
  );
}

function loopEqual(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compareMicro(): void {
  console.log("  byte compare, equal ranges (loop vs Buffer.compare on subarrays):");
  for (const n of [16, 32, 48, 64, 128, 512, 1448]) {
    const a = payload(2048, 3);
    const b = a.slice();
    let sink = 0;
    const loop = measure(
      BATCH,
      () => {
        for (let k = 0; k < BATCH; k++) if (loopEqual(a, b, n)) sink++;
      },
      300,
    );
    const native = measure(
      BATCH,
      () => {
        for (let k = 0; k < BATCH; k++) if (Buffer.compare(a.subarray(0, n), b.subarray(0, n)) === 0) sink++;
      },
      300,
    );
    if (sink === 0) throw new Error("compare micro-benchmark compared nothing");
    console.log(`    ${String(n).padStart(4)} B: loop ${rate(loop)}/s  native ${rate(native)}/s`);
  }
}

console.log(`compare-bench on ${runtimeLabel()}`);
udpBench(1000, 0);
udpBench(1000, 256);
tcpBench(50, 1);
tcpBench(50, 2);
if (!process.argv.includes("--no-micro")) compareMicro();

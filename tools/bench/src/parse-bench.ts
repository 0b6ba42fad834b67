// Parser throughput: frames parsed per second by @colod/packet's parse() for 64 B and 1500 B TCP and
// UDP frames (plain and behind a 12-byte vnet header), one reused record, 1024 distinct frames per round.
//   npx tsc --build tools/bench && node tools/bench/dist/parse-bench.js   |  bun ...  |  deno run -A ...
import { buildFrame, newPacketInfo, parse } from "@colod/packet";
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

const BATCH = 1024;
const ETH_IP_TCP = 14 + 20 + 20;
const ETH_IP_UDP = 14 + 20 + 8;

function frames(proto: "tcp" | "udp", size: number, vnetHdrLen: number): Uint8Array[] {
  const payload = new Uint8Array(size - (proto === "tcp" ? ETH_IP_TCP : ETH_IP_UDP)).fill(0x5a);
  return Array.from({ length: BATCH }, (_, i) =>
    buildFrame({ proto, sport: 1024 + i, seq: i * payload.length, payload, vnetHdrLen }),
  );
}

console.log(`parse-bench on ${runtimeLabel()} (per CPU-second)`);
const info = newPacketInfo();
for (const vnet of [0, 12]) {
  for (const proto of ["tcp", "udp"] as const) {
    for (const size of [64, 1500]) {
      const batch = frames(proto, size, vnet);
      let sink = 0;
      const pps = best(BATCH, () => {
        for (let i = 0; i < BATCH; i++) sink += parse(batch[i]!, vnet, info).cmpEnd;
      });
      if (sink === 0) throw new Error("parse bench parsed nothing");
      console.log(
        `  ${proto} ${String(size).padStart(4)} B frames, vnet ${String(vnet).padStart(2)}: ${rate(pps)}parses/s`,
      );
    }
  }
}

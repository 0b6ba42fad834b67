// Parser throughput: frames parsed per second by @colod/packet's parse() for 64 B and 1500 B TCP and
// UDP frames (plain and behind a 12-byte vnet header), one reused record, 1024 distinct frames per round.
//   npx tsc --build tools/bench && node tools/bench/dist/parse-bench.js   |  bun ...  |  deno run -A ...
import { buildFrame, newPacketInfo, parse } from "@colod/packet";
import { measure, rate, runtimeLabel } from "./runtime.js";

/** Best of three short runs: the machine is shared, and the best run is the one least disturbed. */
function best(ops: number, fn: () => void): number {
  return Math.max(measure(ops, fn, 600), measure(ops, fn, 600), measure(ops, fn, 600));
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

console.log(`parse-bench on ${runtimeLabel()}`);
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

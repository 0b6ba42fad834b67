// The daemon's hot path without sockets or processes: FrameDecoder -> Comparator -> output encoding, on
// colo-vs-qemu's pre-built inputs in 64 KiB chunks, timed in CPU seconds (best of N repetitions, rounds
// interleaved across trees). On a shared machine this is the figure that can tell a 20% change from noise;
// docs/performance.md uses it for the optimisation proposals. `--tree` takes scratch copies of the built tree
// (DIR/packages/{wire,compare}/dist) to compare a change before it lands.
//   node tools/bench/dist/colo-vs-qemu-pipeline.js [--tree DIR,DIR] [--workloads udp,tcp] [--rounds 3] [--reps 15]
import { parseArgs } from "node:util";
import { mixedWorkload, tcpWorkload, udpWorkload, type Workload } from "./cvq/workload.js";
import { runtimeLabel } from "./runtime.js";

const CHUNK = 64 * 1024;
const OUT_BLOCK = 128 * 1024;

interface Tree {
  label: string;
  FrameDecoder: typeof import("@colod/wire").FrameDecoder;
  encodeInto: typeof import("@colod/wire").encodeInto;
  encodingLength: typeof import("@colod/wire").encodingLength;
  Comparator: typeof import("@colod/compare").Comparator;
}

async function loadTree(dir: string | undefined): Promise<Tree> {
  const wire = (await import(
    dir ? `${dir}/packages/wire/dist/index.js` : "@colod/wire"
  )) as typeof import("@colod/wire");
  const cmp = (await import(
    dir ? `${dir}/packages/compare/dist/index.js` : "@colod/compare"
  )) as typeof import("@colod/compare");
  const label = dir ? (dir.split("/").filter(Boolean).at(-1) ?? dir) : "repo";
  return { label, ...wire, Comparator: cmp.Comparator };
}

/** One pass over the workload through a fresh pipeline; returns pairs per CPU-second. */
async function pass(t: Tree, w: Workload): Promise<number> {
  const opts = { vnetHdr: false };
  const out = new Uint8Array(OUT_BLOCK);
  let used = 0;
  let released = 0;
  const cmp = new t.Comparator(
    {},
    {
      // The daemon's outdev encodes every released frame into a block (one copy), then writes blocks.
      release: (f, v) => {
        const n = t.encodingLength(f.length, opts);
        if (used + n > OUT_BLOCK) used = 0;
        t.encodeInto(f, v, opts, out, used);
        used += n;
        released++;
      },
      checkpointRequest: (reason) => {
        throw new Error(`pipeline bench: unexpected checkpoint request (${reason})`);
      },
    },
  );
  const pri = new t.FrameDecoder({ vnetHdr: false, onFrame: (f, v) => cmp.pushPrimary(f, v) });
  const sec = new t.FrameDecoder({ vnetHdr: false, onFrame: (f, v) => cmp.pushSecondary(f, v) });
  const c0 = process.cpuUsage();
  for (let off = 0; off < w.primary.length; off += CHUNK) {
    pri.push(w.primary.subarray(off, off + CHUNK));
    sec.push(w.secondary.subarray(off, off + CHUNK));
    await null; // a microtask turn per chunk pair, as socket callbacks give the daemon
  }
  const c = process.cpuUsage(c0);
  if (released !== w.pairs) throw new Error(`${t.label}: released ${released} of ${w.pairs}`);
  return w.pairs / ((c.user + c.system) / 1e6);
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      tree: { type: "string" },
      workloads: { type: "string", default: "udp,tcp" },
      rounds: { type: "string", default: "3" },
      reps: { type: "string", default: "15" },
      "udp-pairs": { type: "string", default: "300000" },
      "tcp-pairs": { type: "string", default: "60000" },
      "mixed-pairs": { type: "string", default: "120000" },
    },
  });
  const trees = await Promise.all((a.tree?.split(",") ?? [undefined]).map(loadTree));
  console.log(
    `colo-vs-qemu-pipeline on ${runtimeLabel()}: best of ${a.reps} passes, ${a.rounds} rounds, pairs/CPU-s`,
  );
  for (const name of a.workloads.split(",")) {
    const w =
      name === "udp"
        ? udpWorkload(Number(a["udp-pairs"]))
        : name === "tcp"
          ? tcpWorkload(Number(a["tcp-pairs"]))
          : mixedWorkload(Number(a["mixed-pairs"]));
    const best = new Map<string, number[]>(trees.map((t) => [t.label, []]));
    for (let r = 0; r < Number(a.rounds); r++) {
      for (const t of trees) {
        let top = 0;
        for (let k = 0; k < Number(a.reps); k++) top = Math.max(top, await pass(t, w));
        best.get(t.label)!.push(top);
      }
    }
    const ref = best.get(trees[0]!.label)!;
    const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
    for (const [label, xs] of best) {
      const ratio = label === trees[0]!.label ? "" : `  ${(mid(xs) / mid(ref)).toFixed(2)}x`;
      const rounds = xs.map((x) => `${(x / 1e3).toFixed(0)}k`).join(" ");
      console.log(
        `  ${w.name.padEnd(30)} ${label.padEnd(8)} median round ${(mid(xs) / 1e3).toFixed(0)}k (${rounds})${ratio}`,
      );
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});

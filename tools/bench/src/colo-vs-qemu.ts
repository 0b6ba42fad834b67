// colod against Debian's QEMU 7.2 colo-compare, side by side in one run (issue 7). Each workload runs
// alternately on QEMU and on colod (same unix sockets, same options, same pre-built input, a fresh process
// per run); every run checks that exactly the primary frames came out, byte for byte. Then added release
// latency at a fixed offered load, peak RSS with 100k held frames and with 16k connections, and (--profile)
// the daemon's top self-time functions.
//   npx turbo run build --filter=colod... && npx tsc --build tools/bench
//   node tools/bench/dist/colo-vs-qemu.js [--runtime node|bun|deno|all] [--runs 3] [--profile] [--help]
import { cpus, loadavg } from "node:os";
import { basename, dirname } from "node:path";
import { parseArgs } from "node:util";
import {
  type LatencyResult,
  latencyRun,
  type MemoryResult,
  memoryRun,
  type RunResult,
  throughputRun,
} from "./cvq/feed.js";
import {
  type Comparator,
  type CompareOpts,
  type Runtime,
  rssMiB,
  startColod,
  startQemu,
} from "./cvq/procs.js";
import { profileColod } from "./cvq/run-profile.js";
import {
  connWorkload,
  heldWorkload,
  mixedWorkload,
  tcpWorkload,
  udpWorkload,
  type Workload,
} from "./cvq/workload.js";
import { rate } from "./runtime.js";

const HELP = `colo-vs-qemu: colod vs QEMU 7.2 colo-compare (throughput, latency, memory, profile)
  --runtime R        node, bun, deno or all (colod's runtime; default node)
  --runs N           runs per workload and comparator (default 3)
  --workloads LIST   udp,tcp,mixed (default all three)
  --udp-pairs N      pairs in the UDP input (default 1000000); --tcp-pairs (300000), --mixed-pairs (600000)
  --no-latency       skip the latency runs; --latency-load F (0.5 of QEMU's median), --latency-seconds S (3)
  --no-memory        skip the peak-RSS runs
  --no-throughput    skip the throughput runs
  --profile          also profile colod (node/bun: --cpu-prof) on each workload and print top self time
  --perf             profile with Linux perf instead (always for deno): native, kernel and JIT frames
  --colod-bin PATHS  run these colod cli.js (comma-separated) instead of node_modules/.bin/colod: A/B runs of
                     scratch copies, labelled by the copy's directory (DIR/apps/colod/dist/cli.js)
  --no-qemu          leave QEMU out (A/B runs); ratios are then against the first colod
  --qemu PATH        QEMU binary (default /usr/bin/qemu-system-x86_64)`;

/** QEMU's maximum per issue 7, used for the latency load when this run measured no throughput. */
const ISSUE_QEMU_MAX: Record<string, number> = { udp: 460_000, tcp: 246_000, mixed: 300_000 };
const MEMORY_OPTS: CompareOpts = { compareTimeoutMs: 600_000 };

interface Impl {
  label: string;
  start(opts: CompareOpts, flags?: string[]): Promise<Comparator>;
}

function parse() {
  const { values } = parseArgs({
    options: {
      runtime: { type: "string", default: "node" },
      runs: { type: "string", default: "3" },
      workloads: { type: "string", default: "udp,tcp,mixed" },
      "udp-pairs": { type: "string", default: "1000000" },
      "tcp-pairs": { type: "string", default: "300000" },
      "mixed-pairs": { type: "string", default: "600000" },
      "no-latency": { type: "boolean", default: false },
      "latency-load": { type: "string", default: "0.5" },
      "latency-seconds": { type: "string", default: "3" },
      "no-memory": { type: "boolean", default: false },
      "no-throughput": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      perf: { type: "boolean", default: false },
      "colod-bin": { type: "string" },
      qemu: { type: "string" },
      "no-qemu": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return values;
}

type Args = ReturnType<typeof parse>;

function runtimes(spec: string): Runtime[] {
  const all: Runtime[] = ["node", "bun", "deno"];
  const list = spec === "all" ? all : (spec.split(",") as Runtime[]);
  for (const r of list) if (!all.includes(r)) throw new Error(`--runtime ${r}: use node, bun, deno or all`);
  return list;
}

/** QEMU first (the reference of every ratio), then colod per runtime and per --colod-bin. */
function impls(a: Args): Impl[] {
  const q: Impl = { label: "qemu", start: (o) => startQemu(o, a.qemu) };
  const bins = a["colod-bin"]?.split(",") ?? [undefined];
  const colods = runtimes(a.runtime).flatMap((rt) =>
    bins.map(
      (bin): Impl => ({
        label:
          bin && bins.length > 1
            ? `${rt}:${basename(dirname(dirname(dirname(dirname(bin)))))}`
            : `colod/${rt}`,
        start: (o, flags) =>
          startColod(o, { runtime: rt, ...(bin ? { bin } : {}), runtimeFlags: flags ?? [] }),
      }),
    ),
  );
  return a["no-qemu"] ? colods : [q, ...colods];
}

function build(name: string, a: Args): Workload {
  const n = (k: "udp-pairs" | "tcp-pairs" | "mixed-pairs") => Number(a[k]);
  if (name === "udp") return udpWorkload(n("udp-pairs"));
  if (name === "tcp") return tcpWorkload(n("tcp-pairs"));
  if (name === "mixed") return mixedWorkload(n("mixed-pairs"));
  throw new Error(`--workloads: unknown workload ${name} (udp, tcp, mixed)`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const mb = (bytesPerSec: number) => `${(bytesPerSec / 1e6).toFixed(0)} MB/s`;

async function withComparator<T>(
  impl: Impl,
  opts: CompareOpts,
  body: (c: Comparator) => Promise<T>,
): Promise<T> {
  const c = await impl.start(opts);
  try {
    return await body(c);
  } finally {
    await c.stop();
  }
}

function runLine(label: string, w: Workload, r: RunResult): string {
  const pps = w.pairs / r.seconds;
  const status = r.ok ? "ok" : `FAILED: ${r.why}`;
  return (
    `    ${label.padEnd(11)} ${r.seconds.toFixed(2)} s  ${rate(pps).padStart(8)}pairs/s  ${mb(w.frameBytes / r.seconds).padStart(9)}` +
    `  cpu ${r.cpuSeconds.toFixed(2)} s  released ${r.verify.released}/${r.expected}  reordered ${r.verify.reordered}  ${status}`
  );
}

/** QEMU when it ran; in A/B runs ("node:tree"), the first tree on the same runtime. */
function referenceOf(label: string, list: Impl[]): string {
  const first = list[0]!.label;
  if (first === "qemu" || !label.includes(":")) return first;
  const rt = label.slice(0, label.indexOf(":") + 1);
  return list.find((i) => i.label.startsWith(rt))?.label ?? first;
}

interface Tally {
  pps: number[];
  perCpu: number[];
  failed: number;
}

async function throughput(list: Impl[], w: Workload, runs: number): Promise<Map<string, Tally>> {
  const t = new Map(list.map((i) => [i.label, { pps: [], perCpu: [], failed: 0 } as Tally]));
  console.log(`  ${w.name}: ${w.pairs} pairs, ${(w.primary.length / 1e6).toFixed(0)} MB per input stream`);
  for (let r = 0; r < runs; r++) {
    for (const impl of list) {
      const res = await withComparator(impl, {}, (c) => throughputRun(c, w));
      console.log(runLine(`${impl.label}#${r + 1}`, w, res));
      const tally = t.get(impl.label)!;
      if (!res.ok) tally.failed++;
      tally.pps.push(w.pairs / res.seconds);
      tally.perCpu.push(w.pairs / res.cpuSeconds);
    }
  }
  for (const [label, x] of t) {
    const ref = referenceOf(label, list);
    const q = t.get(ref)!;
    const name = ref === "qemu" ? "colod/QEMU" : `vs ${ref}`;
    const ratio = label === ref ? "" : `  ${name} ${(median(x.pps) / median(q.pps)).toFixed(2)}x`;
    const cpuRatio = label === ref ? "" : ` (per CPU-s ${(median(x.perCpu) / median(q.perCpu)).toFixed(2)}x)`;
    const fails = x.failed ? `  ${x.failed} FAILED RUNS` : "";
    console.log(
      `  = ${label.padEnd(11)} median ${rate(median(x.pps)).padStart(8)}pairs/s ${mb((median(x.pps) * w.frameBytes) / w.pairs).padStart(9)}` +
        `  ${rate(median(x.perCpu)).padStart(8)}pairs/CPU-s${ratio}${cpuRatio}${fails}`,
    );
  }
  return t;
}

async function latency(a: Args, list: Impl[], w: Workload, qemuMax: number): Promise<number> {
  const pairsPerSec = Math.round(qemuMax * Number(a["latency-load"]));
  const secs = Number(a["latency-seconds"]);
  console.log(
    `  ${w.name} at ${rate(pairsPerSec)}pairs/s (${a["latency-load"]} of QEMU's ${rate(qemuMax)}) for ${secs} s:`,
  );
  let failed = 0;
  for (const impl of list) {
    const r: LatencyResult = await withComparator(impl, {}, (c) => latencyRun(c, w, pairsPerSec, secs));
    if (!r.ok) failed++;
    const f = (x: number) => `${x.toFixed(0)} us`.padStart(9);
    console.log(
      `    ${impl.label.padEnd(11)} p50 ${f(r.p50)}  p99 ${f(r.p99)}  p99.9 ${f(r.p999)}  max ${f(r.max)}` +
        `  cpu ${r.cpuSeconds.toFixed(2)} s  released ${r.verify.released}/${r.expected}  ${r.ok ? "ok" : `FAILED: ${r.why}`}`,
    );
  }
  return failed;
}

async function memory(list: Impl[]): Promise<number> {
  const cases: [string, Workload, number][] = [];
  const held = heldWorkload(100_000);
  cases.push(["100k held frames (1000 UDP flows, no secondary)", held, 100_000]);
  const conns = connWorkload(16_000);
  cases.push(["16k connections (one UDP pair each)", conns, 0]);
  let failed = 0;
  for (const [what, w, from] of cases) {
    console.log(`  ${what}:`);
    for (const impl of list) {
      const r: MemoryResult = await withComparator(impl, MEMORY_OPTS, (c) => memoryRun(c, w, from, rssMiB));
      if (!r.ok) failed++;
      console.log(
        `    ${impl.label.padEnd(11)} peak RSS ${r.peakMiB.toFixed(1)} MiB (idle ${r.idleMiB.toFixed(1)}, +${(r.peakMiB - r.idleMiB).toFixed(1)})` +
          `  released ${r.verify.released}/${r.expected}  ${r.ok ? "ok" : `FAILED: ${r.why}`}`,
      );
    }
  }
  return failed;
}

async function main(): Promise<number> {
  const a = parse();
  if (a.help) {
    console.log(HELP);
    return 0;
  }
  const list = impls(a);
  const runs = Number(a.runs);
  console.log(
    `colo-vs-qemu ${new Date().toISOString()}  ${cpus().length} x ${cpus()[0]?.model ?? "?"}  load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}  bench on node ${process.versions.node}`,
  );
  const names = a.workloads.split(",");
  const qemuMax = new Map<string, number>();
  let failed = 0;
  const loaded = new Map<string, Workload>();
  const workload = (n: string) => {
    if (!loaded.has(n)) loaded.set(n, build(n, a));
    return loaded.get(n)!;
  };
  if (!a["no-throughput"]) {
    console.log(
      `\nThroughput (${runs} runs each, alternating; 64 KiB chunks alternately to primary and secondary):`,
    );
    for (const n of names) {
      const t = await throughput(list, workload(n), runs);
      for (const x of t.values()) failed += x.failed;
      const q = t.get("qemu");
      if (q) qemuMax.set(n, median(q.pps));
    }
  }
  if (!a["no-latency"]) {
    console.log(
      "\nAdded release latency (pair written -> primary frame read from outdev; first 10% not counted):",
    );
    for (const n of names.filter((x) => x !== "mixed")) {
      failed += await latency(a, list, workload(n), qemuMax.get(n) ?? ISSUE_QEMU_MAX[n]!);
    }
  }
  if (!a["no-memory"]) {
    console.log("\nPeak RSS (VmHWM of the comparator process):");
    failed += await memory(list);
  }
  if (a.profile) {
    console.log("\nProfile (self time of the daemon, one throughput run per workload):");
    for (const n of names) {
      const bin = a["colod-bin"]?.split(",")[0];
      await profileColod(workload(n), runtimes(a.runtime), { perf: a.perf, ...(bin ? { bin } : {}) });
    }
  }
  console.log(
    failed ? `\n${failed} runs FAILED verification` : "\nevery run released exactly the expected frames",
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);

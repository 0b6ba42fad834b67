// Wake-up latency and idle CPU of each RingBuffer wait strategy: a record is produced (XDP test run)
// while the consumer sleeps in wait(); prints median/p99 delay from produce to resolve, and process CPU
// while idle-waiting for 1 s. Run as root under each runtime after npx tsc --build packages/libbpf-ts:
//   node bench/wait-latency.mjs | bun bench/wait-latency.mjs | deno run -A bench/wait-latency.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BpfObject, ffi, RingBuffer, setPrint, xdpContext } from "libbpf-ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const dir = mkdtempSync(join(tmpdir(), "libbpf-ts-bench-"));
const objPath = join(dir, "test.bpf.o");
const src = fileURLToPath(new URL("../test-bpf/test.bpf.c", import.meta.url));
execFileSync("clang", [
  "-O2",
  "-g",
  "-target",
  "bpf",
  "-I/usr/include/x86_64-linux-gnu",
  "-c",
  src,
  "-o",
  objPath,
]);
setPrint(null);

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const pct = (xs, p) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function measure(strategy) {
  const obj = BpfObject.openFile(objPath);
  obj.load();
  const prog = obj.program("xdp_rec");
  const frame = new Uint8Array(64);
  const ring = new RingBuffer(obj.map("rb"), { wait: strategy, intervalMs: 1 });
  const lat = [];
  for (let i = 0; i < ROUNDS; i++) {
    let sentAt = 0;
    const woke = ring.wait(1000).then((ok) => ok && performance.now() - sentAt);
    await sleep(2);
    sentAt = performance.now();
    prog.testRun({ data: frame, ctx: xdpContext(frame.length) });
    const d = await woke;
    if (d === false) throw new Error(`${strategy}: no wake-up`);
    lat.push(d * 1000);
    ring.drain(() => {});
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) await ring.wait(1000 - (performance.now() - t0));
  const cpu = process.cpuUsage(cpu0);
  ring.close();
  obj.close();
  const idle = ((cpu.user + cpu.system) / 1e4 / ((performance.now() - t0) / 1000)).toFixed(1);
  return `${strategy.padEnd(6)} wake median ${pct(lat, 0.5).toFixed(0)} us, p99 ${pct(lat, 0.99).toFixed(0)} us; idle CPU ${idle} %`;
}

console.log(`runtime ${ffi.runtime}, ${ROUNDS} wake-ups per strategy`);
for (const s of ffi.caps.asyncCall ? ["timer", "async", "worker"] : ["timer", "worker"])
  console.log(await measure(s));
rmSync(dir, { recursive: true, force: true });

// Tap capture and release on real devices: a C guest writes paced UDP frames into a tap, @colod/capture
// diverts them into its ring and copies each into a slab (what holding frames costs); then release rate.
// Prints frames captured, loss, and CPU of this process (consumer) and of the sender (whose write(2) also
// runs the tc program). Needs root. No build needed:
//   node packages/capture/scripts/run-ts.mjs tools/bench/src/capture-bench.ts   (or bun ..., deno run -A ...)
// The imports are dynamic so this project's tsc build does not need @colod/capture or the test harness.
import { runtimeLabel } from "./runtime.js";

interface Stats {
  captured: number;
  ringfull: number;
  delivered: number;
}
interface Capture {
  stats(): Stats;
  close(): void;
}
interface Release {
  write(frame: Uint8Array): boolean;
  close(): void;
}
interface CaptureModule {
  openTapCapture(o: object): Promise<Capture>;
  openTapRelease(o: { ifname: string }): Promise<Release>;
}
interface Harness {
  createTopology(o: object): { taps: readonly string[]; destroy(): void };
  generate(
    tap: string,
    count: number,
    size: number,
    pps: number,
  ): Promise<{ sent: number; secs: number; cpu: number }>;
  openGuest(tap: string): Promise<{ close(): Promise<void> }>;
}

const SECONDS = 2;
const captureSpec = "@colod/capture";
const harnessSpec = new URL("../../../test/harness/netns.ts", import.meta.url).href;

const cap = (await import(captureSpec)) as CaptureModule;
const harness = (await import(harnessSpec)) as Harness;

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const k = (x: number) => `${(x / 1000).toFixed(0)}k`;
const pct = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(0);
};
// Kernel timestamp (bpf_ktime_get_ns, CLOCK_MONOTONIC) to delivery in JS. Bun's and Deno's hrtime have
// another origin, so CLOCK_MONOTONIC is read through libc (libbpf-ts's FFI backend).
const libbpfSpec = "libbpf-ts";
const { ffi } = (await import(libbpfSpec)) as {
  ffi: {
    open(lib: string, defs: object): { call: { clock_gettime(clock: number, ts: Uint8Array): number } };
  };
};
const libc = ffi.open("libc.so.6", { clock_gettime: { args: ["i32", "buf"], ret: "i32" } });
const tsBuf = new Uint8Array(64);
const tsView = new DataView(tsBuf.buffer);
const CLOCK_MONOTONIC = 1;
const latencyUs = (tsNs: bigint) => {
  libc.call.clock_gettime(CLOCK_MONOTONIC, tsBuf);
  const now = tsView.getBigInt64(0, true) * 1_000_000_000n + tsView.getBigInt64(8, true);
  return Number(now - tsNs) / 1e3;
};

async function captureRun(tap: string, size: number, pps: number, zeroCopy = false): Promise<void> {
  const lat: number[] = [];
  let seen = 0;
  const onFrame = (_f: Uint8Array, m: { tsNs: bigint }) => {
    if ((seen++ & 63) === 0) lat.push(latencyUs(m.tsNs));
  };
  const capture = await cap.openTapCapture({
    ifname: tap,
    role: "primary",
    ringBytes: 64 << 20,
    zeroCopy,
    onFrame,
  });
  try {
    const count = pps * SECONDS;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const gen = await harness.generate(tap, count, size, pps);
    const deadline = Date.now() + 5000;
    // The sender is done, so the kernel has captured everything it will: wait for the consumer to catch up.
    while (capture.stats().delivered < capture.stats().captured && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(process.cpuUsage(cpu0));
    const s = capture.stats();
    console.log(
      `  capture ${String(size).padStart(4)} B @ ${k(pps).padStart(4)}/s ${zeroCopy ? "zero-copy" : "slab copy"}: sent ${k(gen.sent / gen.secs)}/s, ` +
        `delivered ${s.delivered}/${count} (ringfull ${s.ringfull}), consumer CPU ${((cpu / wall) * 100).toFixed(0)}%, ` +
        `sender CPU ${((gen.cpu / gen.secs) * 100).toFixed(0)}%, latency p50 ${pct(lat, 0.5)} p99 ${pct(lat, 0.99)} us`,
    );
  } finally {
    capture.close();
  }
}

async function idleRun(tap: string): Promise<void> {
  const lat: number[] = [];
  const onFrame = (_f: Uint8Array, m: { tsNs: bigint }) => void lat.push(latencyUs(m.tsNs));
  const capture = await cap.openTapCapture({ ifname: tap, role: "primary", ringBytes: 1 << 20, onFrame });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 200)); // long enough for the pump to go idle
      await harness.generate(tap, 1, 100, 0);
    }
    const cpu = cpuSeconds(process.cpuUsage(cpu0)) / ((performance.now() - t0) / 1000);
    console.log(
      `  idle (a frame every ~200 ms): CPU ${(cpu * 100).toFixed(1)}%, latency p50 ${pct(lat, 0.5)} max ${pct(lat, 1)} us`,
    );
  } finally {
    capture.close();
  }
}
async function releaseRun(tap: string, size: number, n: number): Promise<void> {
  const out = await cap.openTapRelease({ ifname: tap });
  try {
    const frame = new Uint8Array(size);
    frame.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]); // local experimental ethertype: goes nowhere
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let ok = 0;
    for (let i = 0; i < n; i++) if (out.write(frame)) ok++;
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(process.cpuUsage(cpu0));
    console.log(
      `  release ${String(size).padStart(4)} B: ${k(ok / secs)} frames/s (${ok}/${n}), CPU ${((cpu / secs) * 100).toFixed(0)}%`,
    );
  } finally {
    out.close();
  }
}

console.log(
  `capture-bench on ${runtimeLabel()} (${SECONDS} s per run, 64 MiB ring, 256 KiB wakeup, default waits)`,
);
const topo = harness.createTopology({ taps: 1 });
const tap = topo.taps[0]!;
try {
  await idleRun(tap);
  for (const size of [100, 1500]) for (const pps of [100_000, 400_000]) await captureRun(tap, size, pps);
  await captureRun(tap, 1500, 100_000, true); // no copy: shows what the slab's allocation (GC) costs
  const guest = await harness.openGuest(tap); // carrier up, as with a running VM
  try {
    for (const size of [100, 1500]) await releaseRun(tap, size, 50_000);
  } finally {
    await guest.close();
  }
} finally {
  topo.destroy();
}

// Ring drain rate: pre-fill the ring with N records from XDP test runs, then drain them in JS, with the
// zero-copy JS reader (RingBuffer, "mmap") and with libbpf's ring_buffer__consume + FFI callback ("cb"):
// without a copy, with a new Uint8Array per record (slice), and copied into one preallocated slab.
// Prints records/s; run as root under each runtime:
//   node bench/ring-drain.mjs | bun bench/ring-drain.mjs | deno run -A bench/ring-drain.mjs
// Needs a built package (npx tsc --build packages/libbpf-ts) and clang.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BpfObject, ffi, LibbpfRingBuffer, RingBuffer, setPrint, xdpContext } from "libbpf-ts";

const N = Number(process.env.BENCH_FRAMES ?? 200_000);
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

const slab = new Uint8Array(16 << 20); // where a capture would hold frames: one copy, no allocation
let slabAt = 0;
let bytes = 0;

const mmapHandlers = {
  none: (_data, _at, len) => {
    bytes += len;
  },
  slice: (data, at, len) => {
    bytes += data.slice(at, at + len).byteLength;
  },
  slab: (data, at, len) => {
    if (slabAt + len > slab.byteLength) slabAt = 0;
    slab.set(data.subarray(at, at + len), slabAt);
    slabAt += len;
    bytes += len;
  },
};

const cbHandlers = {
  none: (data) => {
    bytes += data.byteLength;
  },
  slice: (data) => {
    bytes += data.slice().byteLength;
  },
  slab: (data) => {
    if (slabAt + data.byteLength > slab.byteLength) slabAt = 0;
    slab.set(data, slabAt);
    slabAt += data.byteLength;
    bytes += data.byteLength;
  },
};

function once(style, frameLen, copy) {
  const obj = BpfObject.openFile(objPath);
  obj.map("rb").setMaxEntries(64 << 20);
  obj.load();
  const frame = new Uint8Array(frameLen).fill(1);
  obj.program("xdp_rec").testRun({ data: frame, ctx: xdpContext(frame.length), repeat: N });
  bytes = 0;
  let n;
  let t0;
  if (style === "mmap") {
    const ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
    t0 = performance.now();
    n = ring.drain(mmapHandlers[copy]);
    ring.close();
  } else {
    const rb = new LibbpfRingBuffer(obj.map("rb"), cbHandlers[copy]);
    t0 = performance.now();
    n = rb.consume();
    rb.close();
  }
  const s = (performance.now() - t0) / 1000;
  obj.close();
  if (n !== N || bytes < n) throw new Error(`drained ${n} of ${N} (${bytes} bytes)`);
  return n / s;
}

console.log(`runtime ${ffi.runtime}, ${N} records per run (record = 4 B tag + min(frame, 252) B), best of 3`);
for (const style of ["mmap", "cb"]) {
  for (const len of [100, 252]) {
    const rates = ["none", "slice", "slab"].map((copy) => {
      once(style, len, copy); // warm-up: lets the JIT compile the drain loop
      const best = Math.max(once(style, len, copy), once(style, len, copy), once(style, len, copy));
      return `${(best / 1e6).toFixed(2)} M/s ${copy}`;
    });
    console.log(`${style.padEnd(4)} frame ${String(len).padStart(3)} B: ${rates.join(", ")}`);
  }
}
rmSync(dir, { recursive: true, force: true });

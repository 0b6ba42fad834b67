// Ring drain rate: pre-fill the ring with N records from XDP test runs, then drain them in JS,
// without and with a copy per record. Prints frames/s; run as root under each runtime:
//   node bench/ring-drain.mjs | bun bench/ring-drain.mjs | deno run -A bench/ring-drain.mjs
// Needs a built package (npx tsc --build packages/libbpf-ts) and clang.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BpfObject, ffi, RingBuffer, xdpContext } from "libbpf-ts";

const N = Number(process.env.BENCH_FRAMES ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), "libbpf-ts-bench-"));
const obj_path = join(dir, "test.bpf.o");
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
  obj_path,
]);

function once(frameLen, copy) {
  const obj = BpfObject.openFile(obj_path);
  obj.map("rb").setMaxEntries(64 << 20);
  obj.load();
  const ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  const frame = new Uint8Array(frameLen).fill(1);
  obj.program("xdp_rec").testRun({ data: frame, ctx: xdpContext(frame.length), repeat: N });
  let bytes = 0;
  const t0 = performance.now();
  const n = ring.drain(
    copy
      ? (data, at, len) => {
          bytes += data.slice(at, at + len).byteLength;
        }
      : (_data, _at, len) => {
          bytes += len;
        },
  );
  const s = (performance.now() - t0) / 1000;
  ring.close();
  obj.close();
  if (n !== N || bytes < n) throw new Error(`drained ${n} of ${N} (${bytes} bytes)`);
  return n / s;
}

console.log(`runtime ${ffi.runtime}, ${N} records per run (record = 4 B tag + min(frame, 252) B)`);
for (const len of [100, 252]) {
  for (const copy of [false, true]) {
    once(len, copy); // warm-up: lets the JIT compile the drain loop
    const rate = Math.max(once(len, copy), once(len, copy), once(len, copy));
    console.log(
      `frame ${String(len).padStart(3)} B  copy=${copy ? 1 : 0}  ${(rate / 1e6).toFixed(2)} M records/s (best of 3)`,
    );
  }
}
rmSync(dir, { recursive: true, force: true });

// Write-path benchmark (prints figures, asserts nothing): frames/s from a writer to a reading peer over a
// unix socket, for the channel's block batching versus one socket.write per frame and versus cork/uncork.
// Frames are written in bursts of 64 per tick, as when one input chunk carries many frames.
//   npx tsc --build packages/wire && node packages/wire/dist/transport/write-batching.bench.js  (or bun / deno run -A)
import { mkdtempSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEndpoint } from "../endpoint.js";
import { encode } from "../frame.js";
import { openChannel } from "./index.js";

const FRAMES = 200_000;
const BURST = 64;

type Writer = (payload: Uint8Array) => boolean;

async function run(
  label: string,
  size: number,
  setup: (path: string) => Promise<{ write: Writer; wait(): Promise<void>; done(): Promise<void> }>,
) {
  const path = join(mkdtempSync(join(tmpdir(), "colod-bench-")), "b.sock");
  const want = FRAMES * (size + 4);
  let got = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => {
    finish = r;
  });
  const server = createServer((s) =>
    s.on("data", (c) => {
      got += c.length;
      if (got >= want) finish();
    }),
  );
  await new Promise<void>((r) => server.listen(path, () => r()));
  const w = await setup(path);
  const payload = new Uint8Array(size).fill(0x5a);
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; ) {
    let ok = true;
    for (let j = 0; j < BURST && i < FRAMES; j++, i++) ok = w.write(payload) && ok;
    if (!ok) await w.wait();
    else await new Promise<void>((r) => setImmediate(r));
  }
  await all;
  const s = (performance.now() - t0) / 1000;
  console.log(
    `  ${label.padEnd(28)} ${String(size).padStart(4)} B: ${(FRAMES / s / 1e6).toFixed(2)} M frames/s  ${((want * 8) / s / 1e9).toFixed(2)} Gbit/s`,
  );
  await w.done();
  await new Promise<void>((r) => server.close(() => r()));
}

function raw(path: string): Promise<Socket> {
  return new Promise((r) => {
    const s = connect(path, () => r(s));
  });
}

const channel = async (path: string) => {
  const ch = openChannel({ endpoint: parseEndpoint(`unix:${path}`), name: "bench", vnetHdr: false });
  await ch.ready();
  return {
    write: (p: Uint8Array) => ch.write(p, 0),
    wait: () => new Promise<void>((r) => ch.once("drain", r)),
    done: () => ch.close(),
  };
};

const perFrame = (cork: boolean) => async (path: string) => {
  const s = await raw(path);
  let corked = false;
  return {
    write: (p: Uint8Array) => {
      if (cork && !corked) {
        corked = true;
        s.cork();
        process.nextTick(() => {
          corked = false;
          s.uncork();
        });
      }
      return s.write(encode(p, 0, { vnetHdr: false }));
    },
    wait: () => new Promise<void>((r) => s.once("drain", r)),
    done: async () => void s.destroy(),
  };
};

const g = globalThis as { Bun?: unknown; Deno?: unknown };
console.log(`write-batching bench on ${g.Bun ? "bun" : g.Deno ? "deno" : "node"} ${process.version}`);
for (const size of [64, 1500]) {
  await run("channel (block batching)", size, channel);
  await run("socket.write per frame", size, perFrame(false));
  await run("cork/uncork per tick", size, perFrame(true));
}

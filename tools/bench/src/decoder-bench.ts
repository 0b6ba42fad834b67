// Decoder throughput: frames/s and GB/s of payload through @colod/wire's streaming FrameDecoder, 64 B and
// 1500 B frames, stream fed in 64 KiB chunks (what a socket read delivers), plain and vnet framing.
//   node tools/bench/dist/decoder-bench.js   |  bun ...  |  deno run -A ...
import { encodeInto, encodingLength, FrameDecoder } from "@colod/wire";
import { measure, rate, runtimeLabel } from "./runtime.js";

const CHUNK = 65536;

function stream(frameLen: number, vnetHdr: boolean): { chunks: Uint8Array[]; frames: number } {
  const per = encodingLength(frameLen, { vnetHdr });
  const frames = Math.floor((16 * CHUNK) / per);
  const buf = new Uint8Array(frames * per);
  const payload = new Uint8Array(frameLen).fill(0x5a);
  for (let i = 0; i < frames; i++) encodeInto(payload, vnetHdr ? 12 : 0, { vnetHdr }, buf, i * per);
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < buf.length; o += CHUNK) chunks.push(buf.subarray(o, o + CHUNK));
  return { chunks, frames };
}

console.log(`decoder-bench on ${runtimeLabel()}`);
for (const vnetHdr of [false, true]) {
  for (const size of [64, 1500]) {
    const { chunks, frames } = stream(size, vnetHdr);
    let seen = 0;
    const dec = new FrameDecoder({ vnetHdr, onFrame: () => void seen++ });
    const fps = measure(frames, () => {
      for (const c of chunks) dec.push(c);
    });
    if (seen === 0 || dec.failed) throw new Error("decoder bench decoded nothing");
    console.log(
      `  ${String(size).padStart(4)} B frames, vnet=${vnetHdr ? "on " : "off"}: ${rate(fps)}frames/s  ${((fps * size) / 1e9).toFixed(2)} GB/s`,
    );
  }
}

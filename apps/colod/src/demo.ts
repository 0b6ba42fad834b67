// `colod demo`: the real daemon on real unix sockets, fed by a built-in generator that plays the primary and the
// secondary guest (identical traffic, independently chunked and delayed, with a few deliberate divergences) and the
// COLO frame (answers DO_CHECKPOINT with COLO_CHECKPOINT). Prints live counters, then a checked summary.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildFrame, TcpFlag } from "@colod/packet";
import { type Channel, NotifyMessage, openChannel, parseEndpoint, parseNotify } from "@colod/wire";
import { Daemon } from "./daemon.js";
import { UsageError } from "./errors.js";
import { createLogger } from "./obs/log.js";
import { parseCompareArgs } from "./options.js";

/** One primary frame and its secondary twin (the same frame, or a corrupted one for a deliberate divergence). */
interface Pair {
  primary: Uint8Array;
  secondary: Uint8Array;
}

function traffic(n: number, divergeEvery: number): Pair[] {
  const pairs: Pair[] = [];
  let seq = 1000;
  for (let i = 0; i < n; i++) {
    let primary: Uint8Array;
    if (i % 5 === 4) {
      const payload = `tcp segment ${i} `.repeat(20);
      primary = buildFrame({
        proto: "tcp",
        sport: 40000,
        dport: 80,
        seq,
        ack: 1,
        flags: TcpFlag.ACK | TcpFlag.PSH,
        payload,
      });
      seq += payload.length;
    } else {
      primary = buildFrame({
        proto: "udp",
        sport: 5000 + (i % 16),
        dport: 53,
        ipId: i & 0xffff,
        payload: `query ${i}`,
      });
    }
    let secondary = primary;
    // Diverge once per `divergeEvery` frames, on a UDP frame (every fifth frame is TCP).
    const at = i % divergeEvery;
    if (
      divergeEvery > 0 &&
      i % 5 !== 4 &&
      (at === divergeEvery >> 1 || (at === (divergeEvery >> 1) + 1 && (i - 1) % 5 === 4))
    ) {
      secondary = primary.slice();
      secondary[secondary.length - 1]! ^= 0xff; // the secondary guest answers differently
    }
    pairs.push({ primary, secondary });
  }
  return pairs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(path: string, name: string, onFrame?: (p: Uint8Array) => void): Channel {
  return openChannel({
    endpoint: parseEndpoint(`unix:${path},reconnect=1`),
    name,
    vnetHdr: false,
    onFrame,
    reconnectDelayMs: 50,
  });
}

/** Runs the demo; resolves with the exit code (0 when every check held). */
export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: "string" }, rate: { type: "string" } },
  });
  const seconds = Number(values.seconds ?? 6);
  const rate = Number(values.rate ?? 2000);
  if (!(seconds > 0) || !(rate > 0))
    throw new UsageError("demo: --seconds and --rate must be positive numbers");
  const dir = mkdtempSync(join(tmpdir(), "colod-demo-"));
  const sock = (n: string) => join(dir, `${n}.sock`);
  const cfg = parseCompareArgs([
    "--primary-in",
    `unix:${sock("pri")},server=on,wait=off`,
    "--secondary-in",
    `unix:${sock("sec")},server=on,wait=off`,
    "--outdev",
    `unix:${sock("out")},server=on,wait=off`,
    "--notify-dev",
    `unix:${sock("notify")},server=on,wait=off`,
    "--compare-timeout",
    "1000",
    "--expired-scan-cycle",
    "200",
    "--log-level",
    "warn",
  ]);
  if (cfg === "help") return 0;
  const daemon = new Daemon(cfg, createLogger({ level: "silent" }));
  await daemon.start();
  const inst = daemon.instances[0]!;

  const released: Uint8Array[] = [];
  let doCheckpoints = 0;
  const out = client(sock("out"), "demo-outdev-reader", (p) => released.push(p.slice()));
  // The COLO frame: on DO_CHECKPOINT it pauses both guests, takes the checkpoint (the secondary becomes a copy of the
  // primary, so it will not send what the primary already sent), says COLO_CHECKPOINT, and resumes them.
  let checkpointing: Promise<void> | undefined;
  const frame: Channel = client(sock("notify"), "demo-colo-frame", (p) => {
    if (parseNotify(p) !== NotifyMessage.DO_CHECKPOINT) return;
    doCheckpoints++;
    checkpointing ??= (async () => {
      while (writing) await sleep(1);
      await Promise.all([pri.flush(), sec.flush()]);
      while (
        inst.comparator.counters().primaryIn < priSent ||
        inst.comparator.counters().secondaryIn < secSent
      )
        await sleep(1);
      frame.write(new TextEncoder().encode(NotifyMessage.COLO_CHECKPOINT), 0);
      const done = inst.comparator.counters().checkpoints;
      while (inst.comparator.counters().checkpoints === done) await sleep(1);
      secNext = priSent;
      checkpointing = undefined;
    })();
  });
  const pri = client(sock("pri"), "demo-primary-guest");
  const sec = client(sock("sec"), "demo-secondary-guest");
  await Promise.all([out.ready(), frame.ready(), pri.ready(), sec.ready()]);

  const total = Math.round(seconds * rate);
  const pairs = traffic(total, Math.max(50, Math.round(rate * 1.5)));
  console.log(`colod demo: ${total} frames at ${rate}/s per guest over unix sockets in ${dir}`);
  console.log("  sec  primary-in  secondary-in  released  held  divergences  ckpt-requests  checkpoints");
  const t0 = Date.now();
  const tick = setInterval(() => {
    const c = inst.comparator.counters();
    console.log(
      `  ${String(Math.round((Date.now() - t0) / 1000)).padStart(3)}  ${String(c.primaryIn).padStart(10)}  ${String(c.secondaryIn).padStart(12)}  ${String(c.released).padStart(8)}  ${String(c.heldFrames).padStart(4)}  ${String(c.divergences).padStart(11)}  ${String(c.checkpointsRequested).padStart(13)}  ${String(c.checkpoints).padStart(11)}`,
    );
  }, 1000);

  // The secondary runs a batch behind the primary, as a real replica would.
  let priSent = 0;
  let secSent = 0;
  let secNext = 0;
  let writing = false;
  const batch = Math.max(1, Math.round(rate / 100));
  const sendSecondary = (upTo: number) => {
    for (; secNext < upTo; secNext++, secSent++) sec.write(pairs[secNext]!.secondary, 0);
  };
  while (priSent < total) {
    if (checkpointing) {
      await checkpointing;
      continue;
    }
    writing = true;
    const end = Math.min(total, priSent + batch);
    sendSecondary(priSent);
    for (; priSent < end; priSent++) pri.write(pairs[priSent]!.primary, 0);
    writing = false;
    await sleep(10);
  }
  while (checkpointing) await checkpointing;
  sendSecondary(total);
  await Promise.all([pri.flush(), sec.flush()]);
  const deadline = Date.now() + 5000;
  while (released.length < total && Date.now() < deadline) await sleep(50);
  clearInterval(tick);
  const c = inst.comparator.counters();
  await Promise.allSettled([pri.close(), sec.close(), out.close(), frame.close()]);
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });

  // SPEC 1: every primary frame exactly once, byte-exact, in order per connection (not across connections).
  const flow = (f: Uint8Array) => `${f[23]}:${(f[34]! << 8) | f[35]!}`;
  const byFlow = new Map<string, Uint8Array[]>();
  for (const p of pairs) byFlow.set(flow(p.primary), [...(byFlow.get(flow(p.primary)) ?? []), p.primary]);
  const seen = new Map<string, number>();
  let inOrder = released.length === total;
  for (const r of released) {
    if (!inOrder) break;
    const k = flow(r);
    const i = seen.get(k) ?? 0;
    const want = byFlow.get(k)?.[i];
    inOrder = want !== undefined && want.length === r.length && want.every((x, j) => x === r[j]);
    seen.set(k, i + 1);
  }
  const diverged = pairs.filter((p) => p.primary !== p.secondary).length;
  console.log("\nsummary");
  console.log(`  primary frames sent        ${total}`);
  console.log(
    `  released on outdev         ${released.length} (${inOrder ? "every frame once, byte-exact, in order per connection" : "MISMATCH"})`,
  );
  console.log(`  deliberate divergences     ${diverged}; detected ${c.divergences}`);
  console.log(`  DO_CHECKPOINT received     ${doCheckpoints}; checkpoints done ${c.checkpoints}`);
  console.log(`  bytes compared equal       ${c.comparedBytes}`);
  const ok = inOrder && c.divergences >= diverged && doCheckpoints > 0 === diverged > 0;
  console.log(ok ? "demo OK" : "demo FAILED");
  return ok ? 0 : 1;
}

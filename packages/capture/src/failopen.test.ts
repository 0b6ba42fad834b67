// A killed daemon must not black-hole its guest: the TCX link belongs to the process, so SIGKILL detaches
// it and the guest's traffic flows again (fail-open). The child runs the real capture code under this
// same runtime through scripts/run-ts.mjs.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { buildFrame } from "@colod/packet";
import { queryTcx } from "libbpf-ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createTopology,
  type Guest,
  ifindexOf,
  netnsUnavailable,
  openGuest,
  type Topology,
} from "../../../test/harness/netns.js";
import { currentRuntime } from "../../../test/harness/runtime.js";
import { openTapCapture } from "./capture.js";

const skip = netnsUnavailable();
const runTs = fileURLToPath(new URL("../scripts/run-ts.mjs", import.meta.url));
const child = fileURLToPath(new URL("./failopen-child.fixtures.ts", import.meta.url));

function spawnHolder(ifname: string, attach = "auto"): ChildProcess {
  const args = [runTs, child, ifname];
  const rt = currentRuntime().name;
  return spawn(process.execPath, rt === "deno" ? ["run", "-A", ...args] : args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, COLOD_CAPTURE_ATTACH: attach },
  });
}

function waitLine(proc: ChildProcess, re: RegExp, ms = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`child said nothing matching ${re}: ${out} ${err}`)), ms);
    proc.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
    });
    proc.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before attaching: ${out} ${err}`));
    });
  });
}

describe.skipIf(skip)("fail-open on a killed capture process", () => {
  let topo: Topology;
  let guest: Guest;
  const frames = Array.from({ length: 5 }, (_, i) => buildFrame({ sport: 4200, payload: `k-${i}` }));

  beforeAll(async () => {
    topo = createTopology({ taps: 1 });
    guest = await openGuest(topo.taps[0]!);
  });

  afterAll(async () => {
    await guest?.close();
    topo?.destroy();
  });

  test("kill -9 of the process holding the TCX link lets the guest's IPv4 through again", async () => {
    const tap = topo.taps[0]!;
    const proc = spawnHolder(tap);
    const exited = new Promise<NodeJS.Signals | null>((r) => proc.once("exit", (_c, sig) => r(sig)));
    try {
      expect(await waitLine(proc, /attached tcx \d+/)).toMatch(/attached tcx/);
      expect(queryTcx(ifindexOf(tap))).toHaveLength(1);
      const held = await topo.record("udp port 4200");
      await guest.send(frames);
      expect(await held.stop()).toEqual([]); // the child diverts them into its ring

      proc.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const deadline = Date.now() + 5000; // link release runs when the kernel reaps the fd table
      while (queryTcx(ifindexOf(tap)).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(queryTcx(ifindexOf(tap))).toEqual([]);

      const free = await topo.record("udp port 4200");
      await guest.send(frames);
      expect((await free.stop()).length).toBe(5);
    } finally {
      proc.kill("SIGKILL");
    }
  });

  test("legacy tc fails closed: a killed holder's filter keeps diverting until a new capture replaces it", async () => {
    const tap = topo.taps[0]!;
    const proc = spawnHolder(tap, "tc");
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    try {
      expect(await waitLine(proc, /attached tc \d+/)).toMatch(/attached tc/);
      proc.kill("SIGKILL");
      await exited;
      const stale = await topo.record("udp port 4200");
      await guest.send(frames);
      expect(await stale.stop()).toEqual([]); // the orphaned filter still drops: fail-closed

      const got: Uint8Array[] = [];
      const cap = await openTapCapture({
        ifname: tap,
        role: "primary",
        ringBytes: 1 << 20,
        attach: "tc",
        onFrame: (f) => void got.push(f),
      });
      try {
        await guest.send(frames);
        const deadline = Date.now() + 3000;
        while (got.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(got.length).toBe(5); // the new filter took over the stale one's handle and priority
      } finally {
        cap.close();
      }
      const free = await topo.record("udp port 4200");
      await guest.send(frames);
      expect((await free.stop()).length).toBe(5);
    } finally {
      proc.kill("SIGKILL");
    }
  });
});

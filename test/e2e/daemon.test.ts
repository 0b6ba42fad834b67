// The colod process end to end, over real unix sockets, under the runtime the suite runs on.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildFrame, TcpFlag } from "@colod/packet";
import { encode, NotifyMessage, notifyPayload, parseNotify } from "@colod/wire";
import { afterEach, describe, expect, test } from "vitest";
import {
  type ColodProcess,
  colodCommand,
  ensureBuilt,
  socketDir,
  startColod,
  startColodSockets,
} from "../harness/colod.js";
import { FramedClient } from "../harness/framed-client.js";
import { currentRuntime } from "../harness/runtime.js";

const live: ColodProcess[] = [];
const clients: FramedClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(live.splice(0).map((c) => c.cleanup()));
});

interface Rig {
  colod: ColodProcess;
  pri: FramedClient;
  sec: FramedClient;
  out: FramedClient;
  nfy: FramedClient;
  sock: (n: string) => string;
}

async function rig(extra: string[] = [], vnetHdr = false): Promise<Rig> {
  const { colod, sock } = await startColodSockets(
    ["--expired-scan-cycle", "100", ...(vnetHdr ? ["--vnet-hdr-support"] : []), ...extra],
    { notify: true },
  );
  live.push(colod);
  const c = async (n: string, rxVnet?: boolean) => {
    const x = await FramedClient.connect(sock(n), { vnetHdr, rxVnetHdr: rxVnet });
    clients.push(x);
    return x;
  };
  return {
    colod,
    pri: await c("pri"),
    sec: await c("sec"),
    out: await c("out"),
    nfy: await c("nfy", false),
    sock,
  };
}

const udp = (i: number, payload = `hello ${i}`) =>
  buildFrame({ proto: "udp", sport: 4000, dport: 53, ipId: i, payload });

describe("colod process", () => {
  test("--version, --help and a bad option", () => {
    ensureBuilt();
    const run = (args: string[]) => {
      const [cmd, argv] = colodCommand(args);
      return spawnSync(cmd, argv, { encoding: "utf8" });
    };
    const v = run(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^colod \d+\.\d+\.\d+/);
    const h = run(["compare", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain("--primary-in EP");
    const bad = run([
      "compare",
      "--primary-in",
      "unix:/tmp/x",
      "--secondary-in",
      "unix:/tmp/y",
      "--outdev",
      "unix:/tmp/z",
      "--compare-timeout",
      "soon",
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'colod: --compare-timeout: expected a positive whole number of milliseconds (1-4294967295), got "soon"',
    );
  });

  test("identical frames are released byte-exact; a divergence asks for a checkpoint; COLO_CHECKPOINT flushes", async () => {
    const { pri, sec, out, nfy } = await rig(["--compare-timeout", "60000"]);
    await pri.send(udp(1));
    await sec.send(udp(1));
    const [f1] = await out.waitFrames(1, 5000);
    expect(f1!.payload).toEqual(udp(1));
    await pri.send(udp(2, "primary says A"));
    await sec.send(udp(2, "second says B"));
    const [req] = await nfy.waitFrames(1, 5000);
    expect(parseNotify(req!.payload)).toBe(NotifyMessage.DO_CHECKPOINT);
    await nfy.send(notifyPayload(NotifyMessage.COLO_CHECKPOINT));
    const [f2] = await out.waitFrames(1, 5000);
    expect(f2!.payload).toEqual(udp(2, "primary says A"));
  });

  test("--exec-hook runs for a checkpoint request with the reason and connection in its environment", async () => {
    const dir = socketDir();
    const file = join(dir, "hook.out");
    const { pri, sec } = await rig([
      "--compare-timeout",
      "60000",
      "--exec-hook",
      `echo "$COLOD_REASON $COLOD_CONN_SPORT" >> ${file}`,
    ]);
    await pri.send(udp(3, "A"));
    await sec.send(udp(3, "B"));
    const t0 = Date.now();
    while (!existsSync(file) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(file, "utf8")).toBe("divergence 4000\n");
  });

  test("a config file runs several instances (one per VM NIC) in one process, independently", async () => {
    const dir = socketDir();
    const sock = (n: string) => join(dir, `${n}.sock`);
    const inst = (n: string) => ({
      name: n,
      "primary-in": `unix:${sock(`${n}p`)},server=on`,
      "secondary-in": `unix:${sock(`${n}s`)},server=on`,
      outdev: `unix:${sock(`${n}o`)},server=on`,
      "compare-timeout": 60000,
    });
    const cfg = join(dir, "colod.json");
    writeFileSync(cfg, JSON.stringify({ instances: [inst("a"), inst("b")] }));
    const colod = await startColod(["compare", "--config", cfg], { dir });
    live.push(colod);
    const c = async (n: string) => {
      const x = await FramedClient.connect(sock(n), { vnetHdr: false });
      clients.push(x);
      return x;
    };
    const [ap, as, ao, bp, bs, bo] = await Promise.all(["ap", "as", "ao", "bp", "bs", "bo"].map(c));
    await ap!.send(udp(1, "to a"));
    await bp!.send(udp(2, "to b"));
    await bs!.send(udp(2, "to b")); // only b's pair is complete
    expect((await bo!.waitFrames(1, 5000))[0]!.payload).toEqual(udp(2, "to b"));
    await new Promise((r) => setTimeout(r, 200));
    expect(ao!.drain()).toEqual([]);
    await as!.send(udp(1, "to a"));
    expect((await ao!.waitFrames(1, 5000))[0]!.payload).toEqual(udp(1, "to a"));
    expect(colod.events("instance.started").map((e) => e.instance)).toEqual(["a", "b"]);
  });

  test("COLO_USERSPACE_PROXY_INIT is answered, with the vnet asymmetry", async () => {
    const { nfy } = await rig([], true);
    // with vnet_hdr_support the frame side writes the vnet word; colod answers without it
    await nfy.write(encode(notifyPayload(NotifyMessage.COLO_USERSPACE_PROXY_INIT), 0, { vnetHdr: true }));
    const [r] = await nfy.waitFrames(1, 5000);
    expect(parseNotify(r!.payload)).toBe(NotifyMessage.COLO_COMPARE_GET_XEN_INIT);
  });

  test("SIGTERM releases every held primary frame in order, then exits 0", async () => {
    const { colod, pri, out } = await rig(["--compare-timeout", "60000"]);
    const frames = Array.from({ length: 50 }, (_, i) =>
      buildFrame({
        proto: "tcp",
        sport: 1234,
        dport: 80,
        seq: 1000 + i * 10,
        ack: 1,
        flags: TcpFlag.ACK | TcpFlag.PSH,
        payload: `segment-${String(i).padStart(2, "0")}`,
      }),
    );
    for (const f of frames) await pri.send(f);
    await new Promise((r) => setTimeout(r, 300));
    expect(out.drain()).toEqual([]); // held: the secondary said nothing
    colod.kill("SIGTERM");
    const got = await out.waitFrames(50, 10000);
    expect(got.map((g) => g.payload)).toEqual(frames);
    const { code, signal } = await colod.exited;
    expect(colod.events("colod.exit")[0]?.code).toBe(0);
    // Deno's child_process reports a child that handled SIGTERM and exited 0 as (null, "SIGTERM").
    if (!(currentRuntime().name === "deno" && code === null))
      expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  test("bad input: zero-length and oversize frames do not stop the daemon; the other inputs keep working", async () => {
    const { colod, pri, sec, out, sock } = await rig(["--compare-timeout", "60000"]);
    await pri.write(Uint8Array.of(0, 0, 0, 0)); // zero-length: QEMU 7.2 aborts here
    await pri.send(udp(7));
    await sec.send(udp(7));
    expect((await out.waitFrames(1, 5000))[0]!.payload).toEqual(udp(7));
    await pri.write(Uint8Array.of(0x00, 0x01, 0x10, 0x01, 1, 2, 3)); // len 69633: that connection is closed
    await colod.waitEvent("input.oversize");
    const pri2 = await FramedClient.connect(sock("pri"), { vnetHdr: false }); // the server accepts again
    clients.push(pri2);
    await pri2.send(udp(8));
    await sec.send(udp(8));
    expect((await out.waitFrames(1, 5000))[0]!.payload).toEqual(udp(8));
    expect(colod.events("input.zero_length").length).toBe(1);
    expect(colod.proc.exitCode).toBeNull();
  });

  test("a disconnect mid-frame discards the partial frame; the next connection starts clean", async () => {
    const { colod, pri, sec, out, sock } = await rig(["--compare-timeout", "60000"]);
    const half = encode(udp(9), 0, { vnetHdr: false }).subarray(0, 20);
    await pri.write(half);
    await pri.close();
    await colod.waitEvent("channel.disconnected"); // one peer at a time, as a QEMU chardev server
    const pri2 = await FramedClient.connect(sock("pri"), { vnetHdr: false });
    clients.push(pri2);
    await pri2.send(udp(10));
    await sec.send(udp(10));
    const got = await out.waitFrames(1, 5000);
    expect(got[0]!.payload).toEqual(udp(10));
    await new Promise((r) => setTimeout(r, 200));
    expect(out.drain()).toEqual([]); // no garbage frame from the stale half
  });
});

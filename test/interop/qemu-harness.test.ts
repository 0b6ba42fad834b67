// The QEMU harness itself: start-up, QMP, connection tracking and clean-up, with hand-framed bytes so this
// test does not depend on the wire codec it is used to check.
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ColoCompare, coloCompareObject, ensureQemu, sleep, startColoCompare } from "../harness/qemu.js";

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ path }, () => resolve(s));
    s.once("error", reject);
  });
}

describe("QEMU colo-compare harness", () => {
  let cc: ColoCompare;
  beforeAll(async () => {
    cc = await startColoCompare({
      notify: true,
      compareTimeoutMs: 1000,
      expiredScanCycleMs: 200,
      maxQueueSize: 7,
    });
  });
  afterAll(async () => {
    await cc?.stop();
  });

  test("builds the -object value from the options", () => {
    expect(
      coloCompareObject({
        vnetHdr: true,
        notify: true,
        compareTimeoutMs: 5,
        expiredScanCycleMs: 6,
        maxQueueSize: 7,
      }),
    ).toBe(
      "colo-compare,id=c0,primary_in=pri,secondary_in=sec,outdev=out,iothread=io0,notify_dev=nfy," +
        "vnet_hdr_support=on,compare_timeout=5,expired_scan_cycle=6,max_queue_size=7",
    );
  });

  test("QEMU runs colo-compare with the requested properties", async () => {
    const get = async (property: string) => cc.qmp("qom-get", { path: "/objects/c0", property });
    expect(await get("compare_timeout")).toEqual({ return: 1000 });
    expect(await get("expired_scan_cycle")).toEqual({ return: 200 });
    expect(await get("max_queue_size")).toEqual({ return: 7 });
    expect(await get("vnet_hdr_support")).toEqual({ return: false });
    expect(await get("notify_dev")).toEqual({ return: "nfy" });
    expect(cc.exited()).toBeUndefined();
  });

  test("an unsupported primary frame written by hand comes out on outdev unchanged", async () => {
    const out = await open(cc.paths.outdev);
    const pri = await open(cc.paths.primary);
    await cc.waitConnected("out");
    const received: Buffer[] = [];
    out.on("data", (b: Buffer) => received.push(b));
    // A 10-byte runt: QEMU forwards frames under 18 bytes at once, uncompared.
    const frame = Buffer.from([0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    pri.write(frame);
    for (let i = 0; i < 200 && Buffer.concat(received).length < frame.length; i++) await sleep(10);
    expect(Buffer.concat(received)).toEqual(frame);
    pri.destroy();
    out.destroy();
  });

  test("stop() kills QEMU and removes its temp dir", async () => {
    const other = await startColoCompare();
    const dir = dirname(other.paths.qmp);
    expect(existsSync(other.paths.primary)).toBe(true);
    expect(other.paths.notify).toBeUndefined();
    await other.stop();
    expect(other.exited()).toBeDefined();
    expect(existsSync(dir)).toBe(false);
  });
});

describe("QEMU harness set-up", () => {
  test("QEMU does not outlive maxLifetimeS, even if nobody calls stop()", async () => {
    const cc = await startColoCompare({ maxLifetimeS: 1 });
    try {
      for (let i = 0; i < 100 && !cc.exited(); i++) await sleep(50);
      // 124: coreutils timeout's "the command timed out" status (QEMU got SIGTERM and was reaped).
      expect(cc.exited()).toEqual({ code: 124, signal: null });
    } finally {
      await cc.stop();
    }
  });

  test("a missing QEMU binary runs scripts/setup-system.sh, then fails with a clear message", () => {
    expect(() => ensureQemu("/nonexistent/qemu-system-x86_64")).toThrow(
      /\/nonexistent\/qemu-system-x86_64 is missing and .*setup-system\.sh could not install it/,
    );
  });
});

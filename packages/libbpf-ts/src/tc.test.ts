import { afterAll, beforeAll, expect, test } from "vitest";
import {
  attachTc,
  attachTcx,
  BPF_F_TEST_XDP_LIVE_FRAMES,
  BpfObject,
  InvalidArgumentError,
  ifindex,
  NotFoundError,
  queryTc,
  queryTcx,
  TcxLink,
  xdpContext,
} from "./index.js";
import { addVeth, cleanBpf, compileBpf, delLink, gcFunction, sh, sysIfindex } from "./testkit.fixtures.js";

let dev = "";
let obj: BpfObject;

beforeAll(() => {
  [dev] = addVeth("tc");
  obj = BpfObject.openFile(compileBpf());
  obj.load();
});

afterAll(() => {
  obj?.close();
  delLink(dev);
  cleanBpf();
});

test("ifindex resolves names and rejects unknown ones", () => {
  expect(ifindex(dev)).toBe(sysIfindex(dev));
  expect(() => ifindex("nosuchdev0")).toThrow(NotFoundError);
});

test("attachTc creates clsact, replaces, and detach removes only our own filter", () => {
  const idx = sysIfindex(dev);
  const prog = obj.program("tc_count");
  const ours = attachTc(prog, idx, { handle: 1, priority: 1 });
  expect(ours).toMatchObject({ ifindex: idx, direction: "ingress", handle: 1, priority: 1 });
  expect(ours.progId).toBe(prog.id);
  // A second filter stands for someone else's; the same handle/priority again is replaced, not added.
  const other = attachTc(prog, idx, { handle: 2, priority: 2 });
  attachTc(prog, idx, { handle: 1, priority: 1, replace: true });
  expect(() => attachTc(prog, idx, { handle: 1, priority: 1, replace: false })).toThrow(/EEXIST/);
  const shown = sh("tc", "filter", "show", "dev", dev, "ingress");
  expect(shown.match(/handle 0x1 /g)?.length).toBe(1);
  expect(shown).toMatch(/pref 2 bpf .*handle 0x2 /);
  expect(ours.isAttached()).toBe(true);
  expect(ours.detach()).toBe(true);
  expect(ours.detach()).toBe(false);
  expect(queryTc(idx, "ingress", 1, 1)).toBe(0);
  expect(queryTc(idx, "ingress", 2, 2)).toBe(prog.id);
  expect(sh("tc", "qdisc", "show", "dev", dev)).toMatch(/clsact/);
  expect(other.detach()).toBe(true);
});

test("handle and priority 0 let the kernel choose; the attachment reports what it chose", () => {
  const idx = sysIfindex(dev);
  const prog = obj.program("tc_count");
  const a = attachTc(prog, idx, { handle: 0, priority: 0, direction: "egress" });
  expect(a.handle).toBeGreaterThan(0);
  expect(a.priority).toBeGreaterThan(0);
  expect(queryTc(idx, "egress", a.handle, a.priority)).toBe(prog.id);
  expect(a.detach()).toBe(true);
  expect(queryTc(idx, "egress", a.handle, a.priority)).toBe(0);
});

test("detach after the device disappeared reports false instead of throwing", () => {
  const [gone] = addVeth("gn");
  const a = attachTc(obj.program("tc_count"), sysIfindex(gone));
  expect(a.isAttached()).toBe(true);
  delLink(gone);
  expect(a.isAttached()).toBe(false);
  expect(a.detach()).toBe(false);
});

test("detach leaves a filter alone once another program took over its slot", () => {
  const idx = sysIfindex(dev);
  const a = attachTc(obj.program("tc_count"), idx, { handle: 5, priority: 5, direction: "egress" });
  using other = BpfObject.openFile(compileBpf());
  other.load();
  const thief = other.program("tc_count");
  attachTc(thief, idx, { handle: 5, priority: 5, direction: "egress" });
  expect(a.isAttached()).toBe(false);
  expect(a.detach()).toBe(false);
  expect(queryTc(idx, "egress", 5, 5)).toBe(thief.id);
  sh("tc", "filter", "del", "dev", dev, "egress", "pref", "5");
});

test("attachTcx links run the program and closing the fd detaches it", () => {
  const idx = sysIfindex(dev);
  const prog = obj.program("tc_count");
  expect(queryTcx(idx, "ingress")).toEqual([]);
  const link = attachTcx(prog, idx, "ingress");
  expect(link.fd).toBeGreaterThan(0);
  expect(queryTcx(idx, "ingress")).toEqual([prog.id]);
  const egress = attachTcx(prog, idx, "egress");
  expect(queryTcx(idx, "egress")).toEqual([prog.id]);
  link.close();
  link.close();
  expect(link.fd).toBe(-1);
  expect(queryTcx(idx, "ingress")).toEqual([]);
  {
    using _scoped = egress;
  }
  expect(queryTcx(idx, "egress")).toEqual([]);
});

test("a pinned TCX link outlives its fd and is re-opened from the pin", () => {
  const idx = sysIfindex(dev);
  const prog = obj.program("tc_count");
  const pin = `/sys/fs/bpf/libbpf-ts-test-${process.pid}`;
  const link = attachTcx(prog, idx, "egress");
  link.pin(pin);
  link.close();
  expect(queryTcx(idx, "egress")).toEqual([prog.id]);
  const again = TcxLink.fromPin(pin, idx, "egress");
  expect(again.fd).toBeGreaterThan(0);
  TcxLink.unpin(pin);
  expect(queryTcx(idx, "egress")).toEqual([prog.id]); // our fd still holds it
  again.close();
  expect(queryTcx(idx, "egress")).toEqual([]);
  expect(() => TcxLink.fromPin(pin, idx, "egress")).toThrow(NotFoundError);
});

test("a TcxLink dropped without close() is detached once collected (FinalizationRegistry safety net)", async () => {
  const idx = sysIfindex(dev);
  const prog = obj.program("tc_count");
  const gc = gcFunction();
  (() => {
    attachTcx(prog, idx, "ingress"); // result dropped on purpose
  })();
  expect(queryTcx(idx, "ingress")).toEqual([prog.id]);
  for (let i = 0; i < 100 && queryTcx(idx, "ingress").length > 0; i++) {
    gc();
    await new Promise((ok) => setTimeout(ok, 10));
  }
  expect(queryTcx(idx, "ingress")).toEqual([]);
});

test("XDP live frames enter the device's receive path and reach its TCX program until the link closes", () => {
  const idx = sysIfindex(dev);
  const counters = obj.map("counters");
  const key = Uint8Array.of(4, 0, 0, 0);
  const count = () => new DataView(counters.lookup(key)!.buffer).getBigUint64(0, true);
  const release = obj.program("xdp_rec");
  // Broadcast Ethernet frame with the local experimental ethertype the tc program counts.
  const frame = new Uint8Array(60).fill(0xff, 0, 6);
  frame.set([2, 0, 0, 0, 0, 1, 0x88, 0xb5], 6);
  const inject = (n: number) =>
    release.testRun({
      data: frame,
      ctx: xdpContext(frame.length, idx),
      flags: BPF_F_TEST_XDP_LIVE_FRAMES,
      repeat: n,
    });
  const before = count();
  const link = attachTcx(obj.program("tc_count"), idx, "ingress");
  inject(5); // XDP_PASS for real: the kernel builds skbs and receives them on `dev`
  expect(count() - before).toBe(5n);
  link.close();
  inject(3);
  expect(count() - before).toBe(5n);
});

test("attach failures map to typed errors naming the call", () => {
  const prog = obj.program("tc_count");
  const missing = 0x7ffffff0;
  expect(() => attachTcx(prog, missing, "ingress")).toThrow(NotFoundError);
  expect(() => attachTcx(prog, missing, "ingress")).toThrow(
    /bpf_link_create\(tc_count, ifindex 2147483632, tcx ingress\) failed: ENODEV/,
  );
  expect(() => attachTc(prog, missing)).toThrow(
    /bpf_tc_hook_create\(ifindex 2147483632 ingress\) failed: (ENODEV|EINVAL)/,
  );
  // An XDP program on a TCX hook is EINVAL, reported with the kernel/attachTc hint.
  const err = (() => {
    try {
      attachTcx(obj.program("xdp_rec"), sysIfindex(dev), "ingress");
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect(err).toMatchObject({ code: "EINVAL", errno: 22, call: expect.stringContaining("bpf_link_create") });
  expect((err as Error).message).toMatch(/kernel >= 6.6/);
});

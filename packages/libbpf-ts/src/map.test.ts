import { afterAll, expect, test } from "vitest";
import {
  BPF_NOEXIST,
  BpfObject,
  ExistsError,
  InvalidArgumentError,
  StateError,
  xdpContext,
} from "./index.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

afterAll(cleanBpf);

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const asU64 = (b: Uint8Array | undefined, at = 0) =>
  b ? new DataView(b.buffer, b.byteOffset).getBigUint64(at, true) : undefined;

test("hash map update, lookup, delete, keys", () => {
  using obj = BpfObject.openFile(compileBpf());
  obj.load();
  const kv = obj.map("kv");
  expect(kv.lookup(u32(1))).toBeUndefined();
  kv.update(u32(1), u64(0x1122334455667788n));
  kv.update(u32(7), u64(7n));
  expect(asU64(kv.lookup(u32(1)))).toBe(0x1122334455667788n);
  const into = new Uint8Array(8);
  expect(kv.lookup(u32(7), into)).toBe(into);
  expect(asU64(into)).toBe(7n);
  expect([...kv.keys()].map((k) => new DataView(k.buffer).getUint32(0, true)).sort()).toEqual([1, 7]);
  expect(() => kv.update(u32(1), u64(2n), BPF_NOEXIST)).toThrow(ExistsError);
  expect(kv.delete(u32(1))).toBe(true);
  expect(kv.delete(u32(1))).toBe(false);
  expect(() => kv.update(u32(1), new Uint8Array(2))).toThrow(InvalidArgumentError);
});

test("setMaxEntries resizes before load only", () => {
  using obj = BpfObject.openFile(compileBpf());
  obj.map("rb").setMaxEntries(1 << 20);
  obj.map("kv").setMaxEntries(3);
  obj.load();
  expect(obj.map("rb").maxEntries).toBe(1 << 20);
  const kv = obj.map("kv");
  for (const k of [1, 2, 3]) kv.update(u32(k), u64(BigInt(k)));
  expect(() => kv.update(u32(4), u64(4n))).toThrow(/E2BIG/);
  expect(() => kv.setMaxEntries(10)).toThrow(StateError);
});

test("setRodata writes const volatile globals at their BTF offsets", () => {
  using obj = BpfObject.openFile(compileBpf());
  const vars = obj.variables();
  expect([...vars.keys()].sort()).toEqual(["big", "blob", "flag", "tag"]);
  expect(new Set([...vars.values()].map((v) => v.offset)).size).toBe(4); // real offsets, not all 0
  obj.setRodata({
    tag: 0xdeadbeef,
    big: 0x0102030405060708n,
    flag: true,
    blob: new Uint8Array([1, 2, 3, 4, 5, 6]),
  });
  expect(() => obj.setRodata({ nope: 1 })).toThrow(/no variable "nope".*tag/);
  expect(() => obj.setRodata({ blob: new Uint8Array(7) })).toThrow(RangeError);
  obj.load();
  expect(() => obj.setRodata({ tag: 1 })).toThrow(StateError);
  const prog = obj.program("xdp_cfg");
  const frame = new Uint8Array(64);
  expect(prog.testRun({ data: frame, ctx: xdpContext(frame.length) }).retval).toBe(2); // XDP_PASS
  const counters = obj.map("counters");
  expect(asU64(counters.lookup(u32(0)))).toBe(1n);
  expect(asU64(counters.lookup(u32(1)))).toBe(0xdeadbeefn);
  expect(asU64(counters.lookup(u32(2)))).toBe(0x0102030405060708n);
  expect(asU64(counters.lookup(u32(3)))).toBe(0x060504030201n);
});

test("per-CPU map lookups return one slot per possible CPU", () => {
  using obj = BpfObject.openFile(compileBpf());
  obj.load();
  const scratch = obj.map("scratch");
  expect(scratch.valueBufferSize % 264).toBe(0);
  expect(scratch.lookup(u32(0))?.byteLength).toBe(scratch.valueBufferSize);
});

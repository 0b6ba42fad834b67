import { afterAll, expect, test } from "vitest";
import {
  BpfObject,
  type LibbpfError,
  NotFoundError,
  ObjectError,
  resetPrint,
  StateError,
  setPrint,
} from "./index.js";
import { cleanBpf, compileBpf, testObjectBytes } from "./testkit.fixtures.js";

afterAll(cleanBpf);

test("openFile lists maps and programs, load gives fds", () => {
  using obj = BpfObject.openFile(compileBpf());
  expect(obj.name).toBe("test");
  expect(obj.programNames().sort()).toEqual(["tc_count", "xdp_cfg", "xdp_rec"]);
  expect(obj.mapNames()).toEqual(expect.arrayContaining(["rb", "kv", "scratch", "counters", "test.rodata"]));
  expect(() => obj.map("kv").fd).toThrow(StateError);
  obj.load();
  expect(obj.loaded).toBe(true);
  expect(obj.map("kv").fd).toBeGreaterThan(0);
  expect(obj.program("xdp_rec").fd).toBeGreaterThan(0);
  expect(obj.program("xdp_rec").id).toBeGreaterThan(0);
  expect(obj.map("kv").keySize).toBe(4);
  expect(obj.map("kv").valueSize).toBe(8);
  expect(() => obj.load()).toThrow(StateError);
});

test("openMem names the object and loads from bytes", () => {
  using obj = BpfObject.openMem(testObjectBytes(), "memobj");
  expect(obj.name).toBe("memobj");
  expect(obj.mapNames()).toContain("memobj.rodata");
  obj.load();
  expect(obj.program("tc_count").fd).toBeGreaterThan(0);
});

test("missing file, map, program and garbage bytes give typed errors", () => {
  const e = catchErr(() => BpfObject.openFile("/nonexistent/x.bpf.o"));
  expect(e).toBeInstanceOf(NotFoundError);
  expect(e).toMatchObject({ code: "ENOENT", errno: 2 });
  expect((e as Error).message).toMatch(/bpf_object__open_file\(\/nonexistent\/x.bpf.o\) failed: ENOENT/);
  using obj = BpfObject.openFile(compileBpf());
  expect(catchErr(() => obj.map("nope"))).toMatchObject({ name: "NotFoundError", code: "ENOENT" });
  expect((catchErr(() => obj.program("nope")) as Error).message).toMatch(/no program "nope".*xdp_rec/);
  const bad = catchErr(() => BpfObject.openMem(new Uint8Array(128).fill(7), "junk"));
  expect(bad).toBeInstanceOf(ObjectError);
});

test("a verifier rejection is an ObjectError quoting the verdict, with the libbpf log attached", () => {
  using obj = BpfObject.openFile(compileBpf("bad"));
  const e = catchErr(() => obj.load()) as LibbpfError;
  expect(e).toBeInstanceOf(ObjectError);
  expect(e).toMatchObject({ code: "EACCES", errno: 13, call: "bpf_object__load(bad)" });
  expect(e.message).toMatch(
    /^bpf_object__load\(bad\) failed: EACCES \(the verifier rejected prog 'xdp_unchecked': .*invalid access to packet/,
  );
  expect(e.log.join("\n")).toMatch(/-- BEGIN PROG LOAD LOG --/);
  expect(obj.loaded).toBe(false);
});

test("the verdict of a verifier log longer than the print buffer is still found", () => {
  using obj = BpfObject.openFile(compileBpf("badlong"));
  setPrint(null); // still recorded for the error, just not echoed into the test output
  const e = catchErr(() => obj.load()) as LibbpfError;
  resetPrint();
  expect(e).toBeInstanceOf(ObjectError);
  expect(e.message).toMatch(
    /the verifier rejected prog 'xdp_long': .*(invalid access to packet|outside of the packet)/,
  );
  expect(Math.max(...e.log.map((l) => l.length))).toBeGreaterThan(16 << 10);
});

test("close is idempotent and later use throws StateError", () => {
  const obj = BpfObject.openFile(compileBpf());
  const m = obj.map("kv");
  obj.close();
  obj.close();
  expect(() => m.name).toThrow(StateError);
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

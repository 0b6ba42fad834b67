import { afterAll, expect, test } from "vitest";
import { BpfObject, type PrintLevel, resetPrint, setPrint, withLog } from "./index.js";
import { verifierVerdict } from "./print.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

afterAll(() => {
  resetPrint();
  cleanBpf();
});

test("setPrint routes libbpf's formatted log to JS; null silences it", () => {
  const got: Array<[PrintLevel, string]> = [];
  setPrint((level, msg) => got.push([level, msg]));
  expect(() => BpfObject.openFile("/nonexistent/dir/p.bpf.o")).toThrow();
  // libbpf's format is "libbpf: elf: failed to open %s: %s\n": the %s arguments came through the va_list.
  expect(got).toContainEqual([
    "warn",
    "libbpf: elf: failed to open /nonexistent/dir/p.bpf.o: No such file or directory",
  ]);
  got.length = 0;
  setPrint((level, msg) => got.push([level, msg]));
  using obj = BpfObject.openFile(compileBpf());
  obj.load();
  expect(got.some(([level]) => level === "debug")).toBe(true); // load logs at debug level
  expect(got.map(([, m]) => m).join("\n")).toMatch(/map 'rb': created successfully|prog 'xdp_rec'/);
  setPrint(null);
  got.length = 0;
  expect(() => BpfObject.openFile("/nonexistent/x.o")).toThrow();
  expect(got).toEqual([]);
});

test("a logger that throws does not break libbpf calls", () => {
  setPrint(() => {
    throw new Error("logger failed");
  });
  using obj = BpfObject.openFile(compileBpf());
  obj.load();
  expect(obj.loaded).toBe(true);
});

test("withLog collects the warnings of one call, nested calls included, and returns its result", () => {
  setPrint(null);
  const outer = withLog(() => {
    const inner = withLog(() => {
      expect(() => BpfObject.openFile("/nonexistent/a.o")).toThrow();
      return 7;
    });
    expect(inner.result).toBe(7);
    expect(inner.log).toEqual(["libbpf: elf: failed to open /nonexistent/a.o: No such file or directory\n"]);
    expect(() => BpfObject.openFile("/nonexistent/b.o")).toThrow();
    return "done";
  });
  expect(outer.result).toBe("done");
  expect(outer.log.map((l) => l.match(/\/nonexistent\/(.)\.o/)?.[1])).toEqual(["a", "b"]);
});

test("verifierVerdict picks the message lines before the instruction count", () => {
  const log = [
    "libbpf: prog 'p': BPF program load failed: Permission denied\n",
    "libbpf: prog 'p': -- BEGIN PROG LOAD LOG --\n0: R1=ctx() R10=fp0\n; x = 1; @ a.c:3\n1: (71) r1 = *(u8 *)(r1 +0)\n" +
      "invalid access to packet\nR1 offset is outside of the packet\nprocessed 2 insns (limit 1000000)\n-- END PROG LOAD LOG --\n",
  ];
  expect(verifierVerdict(log)).toEqual({
    prog: "p",
    reason: "invalid access to packet; R1 offset is outside of the packet",
  });
  expect(
    verifierVerdict([
      "libbpf: prog 'q': -- BEGIN PROG LOAD LOG --\nunknown func bpf_x#999\n-- END PROG LOAD LOG --\n",
    ]),
  ).toEqual({
    prog: "q",
    reason: "unknown func bpf_x#999",
  });
  expect(verifierVerdict(["libbpf: something else\n"])).toBeUndefined();
});

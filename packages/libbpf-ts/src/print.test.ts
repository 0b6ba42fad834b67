import { afterAll, expect, test } from "vitest";
import { BpfObject, type PrintLevel, resetPrint, setPrint } from "./index.js";
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

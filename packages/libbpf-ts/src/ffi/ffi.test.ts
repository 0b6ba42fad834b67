import { expect, test } from "vitest";
import { detectRuntime, ffi } from "./index.js";

const libc = ffi.open("libc.so.6", {
  memcpy: { args: ["buf", "buf", "usize"], ret: "ptr" },
  strlen: { args: ["cstr"], ret: "usize" },
  getenv: { args: ["cstr"], ret: "cstr" },
  qsort: { args: ["buf", "usize", "usize", "fn"], ret: "void" },
  usleep: { args: ["u32"], ret: "i32", nonblocking: true },
});

test("the adapter matches the runtime under test", () => {
  const expected = process.env.COLOD_EXPECT_RUNTIME;
  if (expected) expect(detectRuntime()).toBe(expected);
  expect(ffi.runtime).toBe(detectRuntime());
  expect(ffi.caps.noAtomicsOnReadOnly).toBe(ffi.runtime === "bun");
  expect(ffi.caps.asyncCall).toBe(ffi.runtime !== "bun");
  expect(ffi.caps.cheapView).toBe(ffi.runtime !== "node");
});

test("strings, 64-bit returns, views, copies and addresses round-trip", () => {
  expect(libc.call.strlen("hello")).toBe(5);
  process.env.LIBBPF_TS_PROBE = "xyz";
  // getenv reads the C environment: set on Node/Deno by process.env, so only check the NULL path strictly.
  expect(libc.call.getenv("LIBBPF_TS_SURELY_UNSET_VAR")).toBeNull();
  const src = Uint8Array.from({ length: 100 }, (_, i) => i);
  const dst = new Uint8Array(100);
  const p = libc.call.memcpy(dst, src, 100);
  expect(ffi.address(p)).toBe(ffi.addressOf(dst));
  expect([...dst]).toEqual([...src]);
  const view = new Uint8Array(ffi.view(p, 100));
  dst[5] = 200;
  expect(view[5]).toBe(200); // zero-copy: same memory
  const copy = ffi.copy(p, 100);
  dst[6] = 201;
  expect(copy[6]).toBe(6);
  const into = new Uint8Array(200);
  ffi.copyInto(p, 100, into);
  expect([...into.subarray(0, 8)]).toEqual([0, 1, 2, 3, 4, 200, 201, 7]);
  expect(into[100]).toBe(0);
  expect(ffi.address(ffi.pointer(ffi.addressOf(dst)))).toBe(ffi.addressOf(dst));
  expect(ffi.pointer(0n)).toBeNull();
  expect(ffi.address(null)).toBe(0n);
});

test("callbacks are called synchronously from C", () => {
  const data = new Int32Array([5, 3, 9, 1, 7, 2, 8, 6, 4, 0, 11, 10, 15, 13, 12, 14]);
  const cmp = ffi.callback(
    ((a: never, b: never) => {
      const x = new DataView(ffi.view(a, 4)).getInt32(0, true);
      const y = new DataView(ffi.view(b, 4)).getInt32(0, true);
      return x - y;
    }) as (...a: never[]) => number,
    "i32",
    ["ptr", "ptr"],
  );
  libc.call.qsort(new Uint8Array(data.buffer), data.length, 4, cmp.ptr);
  cmp.close();
  expect([...data]).toEqual([...Array(16).keys()]);
});

test("nonblocking symbols run off-thread where the runtime can", async () => {
  if (!ffi.caps.asyncCall) {
    expect(libc.async.usleep).toBeUndefined();
    return;
  }
  let ticks = 0;
  const t = setInterval(() => ticks++, 1);
  expect(await libc.async.usleep!(50_000)).toBe(0);
  clearInterval(t);
  expect(ticks).toBeGreaterThan(0); // a blocking call would let no interval run before clearInterval
});

// Bun adapter: bun:ffi (pointers are numbers, no off-thread calls, no Atomics on read-only memory).
import type { Backend, CType, FnDefs, NativeFn, NativeLib, Ptr } from "./types.js";

const spec = "bun:ffi"; // a variable keeps bundlers and other runtimes from resolving it
const ffi = await import(spec);
const T: Record<CType, string> = {
  void: "void",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  usize: "u64",
  ptr: "ptr",
  buf: "ptr",
  cstr: "ptr",
  fn: "ptr",
};
const enc = new TextEncoder();
const cstr = (s: unknown) => (typeof s === "string" ? enc.encode(`${s}\0`) : s);
const wide = new Set<CType>(["i64", "u64", "usize"]);

function wrap(f: NativeFn, args: readonly CType[], ret: CType): NativeFn {
  const strs = args.flatMap((a, i) => (a === "cstr" ? [i] : []));
  let g = f;
  if (strs.length) g = (...a) => f(...a.map((v, i) => (strs.includes(i) ? cstr(v) : v)));
  if (ret === "cstr") return (...a) => readStr(g(...a));
  return wide.has(ret) ? (...a) => Number(g(...a)) : g;
}
const readStr = (p: Ptr) => (p === null || p === 0 ? null : String(new ffi.CString(p)));

function bind<D extends FnDefs>(path: string, defs: D): NativeLib<D> {
  const symbols = Object.fromEntries(
    Object.entries(defs).map(([n, s]) => [n, { args: s.args.map((a) => T[a]), returns: T[s.ret] }]),
  );
  const lib = ffi.dlopen(path, symbols);
  const call: Record<string, NativeFn> = {};
  for (const [n, s] of Object.entries(defs)) call[n] = wrap(lib.symbols[n], s.args, s.ret);
  return { call: call as NativeLib<D>["call"], async: {}, close: () => lib.close() };
}

/** bun:ffi-backed FFI for Bun. */
export const backend: Backend = {
  runtime: "bun",
  caps: { asyncCall: false, noAtomicsOnReadOnly: true, cheapView: true },
  open: bind,
  view: (p, len) => ffi.toArrayBuffer(p, 0, len),
  copy: (p, len) => new Uint8Array(ffi.toArrayBuffer(p, 0, len).slice(0)),
  copyInto: (p, len, dst) => dst.set(new Uint8Array(ffi.toArrayBuffer(p, 0, len))),
  addressOf: (u8) => BigInt(ffi.ptr(u8)),
  address: (p) => (p === null ? 0n : BigInt(p as number)),
  pointer: (a): Ptr => (a === 0n ? null : Number(a)),
  cstring: readStr,
  callback(fn, ret, args) {
    const cb = new ffi.JSCallback(fn, { args: args.map((a) => T[a]), returns: T[ret] });
    return { ptr: cb.ptr, close: () => cb.close() };
  },
  workerPrelude: (libc) => `
    const ffi = require("bun:ffi");
    const lib = ffi.dlopen(${JSON.stringify(libc)}, { poll: { args: ["ptr", "u64", "i32"], returns: "i32" } });
    const poll = (u8, n, t) => lib.symbols.poll(ffi.ptr(u8), n, t);`,
};

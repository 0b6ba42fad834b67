// Deno adapter: Deno.dlopen (pointers are PointerObjects, `nonblocking` symbols run off-thread).
import type { Backend, CType, FnDefs, FnSig, NativeFn, NativeLib, Ptr } from "./types.js";

// The Deno namespace is not in this package's type roots.
const D = (globalThis as any).Deno;
const T: Record<CType, string> = {
  void: "void",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  usize: "usize",
  ptr: "pointer",
  buf: "buffer",
  cstr: "buffer",
  fn: "function",
};
const enc = new TextEncoder();
const wide = new Set<CType>(["i64", "u64", "usize"]);
const readStr = (p: Ptr) => (p === null ? null : new D.UnsafePointerView(p).getCString());
const fix = (args: readonly CType[], a: unknown[]) =>
  a.map((v, i) => (args[i] === "cstr" && typeof v === "string" ? enc.encode(`${v}\0`) : v));

function wrap(f: NativeFn, args: readonly CType[], ret: CType): NativeFn {
  const conv = ret === "cstr" ? readStr : wide.has(ret) ? Number : null;
  const strs = args.includes("cstr");
  if (!strs && !conv) return f;
  return (...a) => {
    const r = f(...(strs ? fix(args, a) : a));
    return conv ? conv(r) : r;
  };
}

function bind<Defs extends FnDefs>(path: string, defs: Defs): NativeLib<Defs> {
  const sym = (s: FnSig, nb: boolean) => ({
    parameters: s.args.map((a) => T[a]),
    result: s.ret === "cstr" ? "pointer" : T[s.ret],
    nonblocking: nb,
  });
  const lib = D.dlopen(path, Object.fromEntries(Object.entries(defs).map(([n, s]) => [n, sym(s, false)])));
  const nbDefs = Object.entries(defs).filter(([, s]) => s.nonblocking);
  const nb = nbDefs.length
    ? D.dlopen(path, Object.fromEntries(nbDefs.map(([n, s]) => [n, sym(s, true)])))
    : null;
  const call: Record<string, NativeFn> = {};
  const async: Record<string, (...a: unknown[]) => Promise<number>> = {};
  for (const [n, s] of Object.entries(defs)) call[n] = wrap(lib.symbols[n], s.args, s.ret);
  for (const [n, s] of nbDefs) async[n] = async (...a) => Number(await nb.symbols[n](...fix(s.args, a)));
  return {
    call: call as NativeLib<Defs>["call"],
    async,
    close() {
      lib.close();
      nb?.close();
    },
  };
}

/** Deno.dlopen-backed FFI for Deno (needs --allow-ffi). */
export const backend: Backend = {
  runtime: "deno",
  caps: { asyncCall: true, noAtomicsOnReadOnly: false, cheapView: true },
  open: bind,
  view: (p, len) => D.UnsafePointerView.getArrayBuffer(p, len),
  copy: (p, len) => new Uint8Array(D.UnsafePointerView.getArrayBuffer(p, len).slice(0)),
  copyInto: (p, len, dst) => new D.UnsafePointerView(p).copyInto(dst.subarray(0, len)),
  addressOf: (u8) => BigInt(D.UnsafePointer.value(D.UnsafePointer.of(u8))),
  address: (p) => (p === null ? 0n : BigInt(D.UnsafePointer.value(p))),
  pointer: (a): Ptr => D.UnsafePointer.create(a),
  cstring: readStr,
  callback(fn, ret, args) {
    const def = { parameters: args.map((a) => (a === "buf" ? "pointer" : T[a])), result: T[ret] };
    const cb = new D.UnsafeCallback(def, fn);
    return { ptr: cb.pointer, close: () => cb.close() };
  },
  workerPrelude: (libc) => `
    const lib = Deno.dlopen(${JSON.stringify(libc)}, { poll: { parameters: ["buffer", "u64", "i32"], result: "i32" } });
    const poll = (u8, n, t) => lib.symbols.poll(u8, n, t);`,
};

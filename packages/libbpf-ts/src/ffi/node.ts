// Node adapter: koffi >= 3 (pointers are bigint, NULL is null).
import { createRequire } from "node:module";
import { LibbpfError } from "../errors.js";
import type { Backend, CType, FnDefs, NativeFn, NativeLib, Ptr } from "./types.js";

const require = createRequire(import.meta.url);
const koffi = loadKoffi();

// koffi 2 passed pointers as opaque objects; everything here relies on koffi 3's bigint pointers.
function loadKoffi() {
  let k: { version?: string } | undefined;
  try {
    k = require("koffi");
  } catch {}
  if (/^([3-9]|\d\d)\./.test(k?.version ?? "")) return k as ReturnType<typeof require>;
  throw new LibbpfError(`koffi >= 3 needed on Node (npm install koffi), found ${k?.version}`, "ERR_KOFFI");
}
const C: Record<CType, string> = {
  void: "void",
  i32: "int32_t",
  u32: "uint32_t",
  i64: "int64_t",
  u64: "uint64_t",
  usize: "size_t",
  ptr: "void *",
  buf: "void *",
  cstr: "const char *",
  fn: "void *",
};
const wide = new Set<CType>(["i64", "u64", "usize"]);
let protos = 0;
// koffi.view builds an external ArrayBuffer per call; a memcpy into JS memory is ~20x faster per record.
const memcpy = koffi.load("libc.so.6").func("memcpy", "void *", ["void *", "void *", "size_t"]);

function bind<D extends FnDefs>(path: string, defs: D): NativeLib<D> {
  const lib = koffi.load(path);
  const call: Record<string, NativeFn> = {};
  const async: Record<string, (...a: unknown[]) => Promise<number>> = {};
  for (const [name, sig] of Object.entries(defs)) {
    const f = lib.func(
      name,
      C[sig.ret],
      sig.args.map((a) => C[a]),
    );
    call[name] = wide.has(sig.ret) ? (...a: unknown[]) => Number(f(...a)) : f;
    if (sig.nonblocking) {
      async[name] = (...a) =>
        new Promise((ok, ko) => f.async(...a, (e: Error | null, r: number) => (e ? ko(e) : ok(Number(r)))));
    }
  }
  return { call: call as NativeLib<D>["call"], async, close: () => lib.unload() };
}

/** koffi-backed FFI for Node.js. */
export const backend: Backend = {
  runtime: "node",
  caps: { asyncCall: true, noAtomicsOnReadOnly: false, cheapView: false },
  open: bind,
  view: (p, len) => koffi.view(p, len),
  copy: (p, len) => new Uint8Array(koffi.view(p, len).slice(0)),
  copyInto: (p, len, dst) => memcpy(dst, p, len),
  addressOf: (u8) => koffi.address(u8) as bigint,
  address: (p) => (p === null ? 0n : BigInt(p as bigint)),
  pointer: (a): Ptr => (a === 0n ? null : a),
  cstring: (p) => (p === null ? null : koffi.decode(p, "const char *")),
  callback(fn, ret, args) {
    const proto = koffi.proto(
      `libbpf_ts_cb${protos++}`,
      C[ret],
      args.map((a) => C[a]),
    );
    const ptr = koffi.register(fn, koffi.pointer(proto));
    return { ptr, close: () => koffi.unregister(ptr) };
  },
  workerPrelude: (libc) => `
    const koffi = require(${JSON.stringify(require.resolve("koffi"))});
    const poll = koffi.load(${JSON.stringify(libc)}).func("poll", "int", ["void *", "uint64_t", "int"]);`,
};

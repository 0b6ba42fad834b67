/** C types understood by every backend: the whole vocabulary the binding needs. */
export type CType = "void" | "i32" | "u32" | "i64" | "u64" | "usize" | "ptr" | "buf" | "cstr" | "fn";

/**
 * Opaque native pointer as the runtime represents it (koffi 3: bigint, Bun: number, Deno: PointerObject).
 * `null` is NULL on every runtime. Convert with `Backend.address` / `Backend.pointer` when a number is needed.
 */
export type Ptr = bigint | number | object | null;

/** Signature of one native function; `nonblocking` also exposes it off-thread where the runtime can. */
export interface FnSig {
  readonly args: readonly CType[];
  readonly ret: CType;
  readonly nonblocking?: boolean;
}

/** Symbol table passed to `Backend.open`. */
export type FnDefs = Readonly<Record<string, FnSig>>;

// Native calls take runtime-specific values (pointers, typed arrays, strings); the core types them.
export type NativeFn = (...args: any[]) => any;

/** An opened shared library: synchronous calls, off-thread calls (`nonblocking` symbols only), close. */
export interface NativeLib<D extends FnDefs> {
  readonly call: { readonly [K in keyof D]: NativeFn };
  readonly async: { readonly [K in keyof D]?: (...args: unknown[]) => Promise<number> };
  close(): void;
}

/** A native function pointer that calls back into JS; `close()` frees it. */
export interface Callback {
  readonly ptr: Ptr;
  close(): void;
}

/** What a runtime can and cannot do safely. */
export interface Caps {
  /** Off-thread FFI calls exist (koffi `.async`, Deno `nonblocking`). */
  readonly asyncCall: boolean;
  /** `Atomics.*` on read-only mapped memory crashes (Bun/JSC once JIT-compiled): use plain loads. */
  readonly noAtomicsOnReadOnly: boolean;
  /** `view()` is cheap enough per record; false on koffi (~0.2 M views/s), where `copyInto` is faster. */
  readonly cheapView: boolean;
}

/** The one interface each runtime adapter implements (node.ts, bun.ts, deno.ts). */
export interface Backend {
  readonly runtime: "node" | "bun" | "deno";
  readonly caps: Caps;
  /** dlopen `path` and bind `defs`; throws if the library or a symbol is missing. */
  open<D extends FnDefs>(path: string, defs: D): NativeLib<D>;
  /** Zero-copy ArrayBuffer over native memory; invalid once that memory is freed or unmapped. */
  view(ptr: Ptr, len: number): ArrayBuffer;
  /** Copy `len` bytes of native memory into a fresh Uint8Array. */
  copy(ptr: Ptr, len: number): Uint8Array;
  /** Copy `len` bytes of native memory into `dst` (which must be large enough). */
  copyInto(ptr: Ptr, len: number, dst: Uint8Array): void;
  /** Native address of a JS buffer, for pointer fields in option structs (keep `u8` referenced). */
  addressOf(u8: Uint8Array): bigint;
  /** Numeric value of a pointer (0n for NULL). */
  address(ptr: Ptr): bigint;
  /** Pointer from a numeric address (NULL for 0n). */
  pointer(addr: bigint): Ptr;
  /** Read a NUL-terminated string at `ptr` (null for NULL). */
  cstring(ptr: Ptr): string | null;
  /** Make a C function pointer calling `fn` synchronously on the calling (main) thread. */
  callback(fn: (...args: never[]) => number | undefined, ret: CType, args: readonly CType[]): Callback;
  /** JS source run inside a worker thread that defines `poll(fdArrayU8, nfds, timeoutMs)` through FFI. */
  workerPrelude(libc: string): string;
}

// Routes libbpf's log (printf-style with a va_list) to JS, formatted by libc vsnprintf.

import type { Callback, Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { libbpf, libc } from "./native.js";

/** libbpf log levels. */
export type PrintLevel = "warn" | "info" | "debug";
/** Receives one formatted libbpf log message (trailing newline removed). */
export type PrintFn = (level: PrintLevel, message: string) => void;

const LEVELS: readonly PrintLevel[] = ["warn", "info", "debug"];
const buf = new Uint8Array(4096);
const dec = new TextDecoder();
let current: Callback | undefined;
let libbpfDefault: Ptr | undefined; // libbpf's own stderr printer, for resetPrint()

function install(ptr: Ptr): void {
  const prev = libbpf().libbpf_set_print(ptr);
  if (libbpfDefault === undefined) libbpfDefault = prev;
}

/**
 * Send libbpf's messages to `fn` (called synchronously during libbpf calls on the main thread), or
 * silence them with `null`. libbpf's default prints warnings and info to stderr.
 * Formatting a `va_list` through FFI relies on the x86-64/arm64 ABIs passing it as a pointer.
 */
export function setPrint(fn: PrintFn | null): void {
  const prev = current;
  if (fn === null) {
    install(null);
    current = undefined;
  } else {
    const cb = ffi.callback(
      ((level: number, fmt: Ptr, args: Ptr) => {
        const n = libc().call.vsnprintf(buf, buf.byteLength, fmt, args);
        const text = dec.decode(buf.subarray(0, Math.max(0, Math.min(n, buf.byteLength - 1))));
        try {
          fn(LEVELS[level] ?? "debug", text.replace(/\n$/, ""));
        } catch {
          // a throwing logger must not unwind through libbpf's C frames
        }
        return 0;
      }) as (...a: never[]) => number,
      "i32",
      ["i32", "ptr", "ptr"],
    );
    install(cb.ptr);
    current = cb;
  }
  prev?.close();
}

/** Restore libbpf's default printer (warnings and info to stderr). */
export function resetPrint(): void {
  if (libbpfDefault === undefined) return;
  libbpf().libbpf_set_print(libbpfDefault);
  current?.close();
  current = undefined;
}

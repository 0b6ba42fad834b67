// Routes libbpf's log (printf-style with a va_list) to JS, formatted by libc vsnprintf. One JS printer is
// installed for the process; it also records warnings while a call runs under withLog(), which is how a
// failed load() carries the verifier's verdict in its error.

import type { Callback, Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { libbpf, libc } from "./native.js";

/** libbpf log levels. */
export type PrintLevel = "warn" | "info" | "debug";
/** Receives one formatted libbpf log message (trailing newline removed). */
export type PrintFn = (level: PrintLevel, message: string) => void;

const LEVELS: readonly PrintLevel[] = ["warn", "info", "debug"];
// A va_list can be consumed once; on x86-64 (24 B) and arm64 (32 B, passed by reference) a byte copy of
// the object is a valid va_copy, used to format again when the first buffer was too small.
const VA_LIST_BYTES = 32;
const dec = new TextDecoder();
let buf = new Uint8Array(16 << 10);
const vaCopy = new Uint8Array(64);
let installed: Callback | undefined;
let user: PrintFn | null | undefined; // undefined: like libbpf's default (warn and info to stderr)
let recording: string[] | undefined;

function format(fmt: Ptr, args: Ptr): string {
  vaCopy.set(new Uint8Array(ffi.view(args, VA_LIST_BYTES)));
  let n = libc().call.vsnprintf(buf, buf.byteLength, fmt, args);
  if (n >= buf.byteLength) {
    buf = new Uint8Array(n + 1); // verifier logs can be long and their verdict is at the end
    n = libc().call.vsnprintf(buf, buf.byteLength, fmt, ffi.pointer(ffi.addressOf(vaCopy)));
  }
  return dec.decode(buf.subarray(0, Math.max(0, Math.min(n, buf.byteLength - 1))));
}

function onPrint(level: number, fmt: Ptr, args: Ptr): number {
  try {
    const lv = LEVELS[level] ?? "debug";
    const text = format(fmt, args);
    if (recording && lv === "warn") recording.push(text);
    if (user === undefined) {
      if (lv !== "debug") process.stderr.write(text);
    } else user?.(lv, text.replace(/\n$/, ""));
  } catch {
    // a throwing logger must not unwind through libbpf's C frames
  }
  return 0;
}

function install(): void {
  if (installed) return;
  installed = ffi.callback(onPrint as (...a: never[]) => number, "i32", ["i32", "ptr", "ptr"]);
  libbpf().libbpf_set_print(installed.ptr);
}

/**
 * Send libbpf's messages to `fn` (called synchronously during libbpf calls on the main thread), or
 * silence them with `null`. Formatting a `va_list` through FFI relies on the x86-64/arm64 ABIs.
 */
export function setPrint(fn: PrintFn | null): void {
  install();
  user = fn;
}

/** Back to the default: warnings and info to stderr, like libbpf's own printer. */
export function resetPrint(): void {
  install();
  user = undefined;
}

/** Run `fn`, collecting the libbpf warnings it logs (still printed as configured). */
export function withLog<T>(fn: () => T): { result: T; log: string[] } {
  install();
  const outer = recording;
  const log: string[] = [];
  recording = log;
  try {
    return { result: fn(), log };
  } finally {
    recording = outer;
    outer?.push(...log);
  }
}

/**
 * The verifier's verdict in a libbpf log: the program and the message lines (not instruction or source
 * lines) just before "processed N insns".
 */
export function verifierVerdict(log: readonly string[]): { prog: string; reason: string } | undefined {
  for (const msg of log) {
    const m = /prog '([^']+)': -- BEGIN PROG LOAD LOG --\n([\s\S]*?)-- END PROG LOAD LOG --/.exec(msg);
    if (!m) continue;
    const lines = (m[2] ?? "").split("\n").filter((l) => l.trim() !== "");
    let end = lines.findIndex((l) => l.startsWith("processed "));
    if (end < 0) end = lines.length;
    let start = end;
    while (start > 0 && end - start < 3 && !/^(\d+: |; )/.test(lines[start - 1] ?? "")) start--;
    const reason = lines.slice(start, end).join("; ") || "(no verdict in the verifier log)";
    return { prog: m[1] ?? "?", reason };
  }
  return undefined;
}

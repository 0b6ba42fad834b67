// Picks the adapter for the running runtime. Dynamic import keeps koffi off Bun/Deno and bun:ffi off Node.
import type { Backend } from "./types.js";

export type { Backend, Callback, Caps, CType, FnDefs, FnSig, NativeLib, Ptr } from "./types.js";

/** Which runtime this process is: decides the FFI adapter. */
export function detectRuntime(): Backend["runtime"] {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

async function load(): Promise<Backend> {
  const rt = detectRuntime();
  if (rt === "bun") return (await import("./bun.js")).backend;
  if (rt === "deno") return (await import("./deno.js")).backend;
  return (await import("./node.js")).backend;
}

/** The FFI backend of the current runtime. */
export const ffi: Backend = await load();

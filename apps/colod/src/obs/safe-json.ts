// Turns arbitrary values into something JSON.stringify accepts without throwing: logs and control replies
// must never crash on a bigint counter, a circular object or an error with a cause chain.

const MAX_DEPTH = 8; // deep enough for counters snapshots, shallow enough to keep a log line readable
const MAX_BYTES_SHOWN = 64; // a byte array in a log line is shown as hex up to this many bytes

/** Converts `value` into plain JSON data (bigint, Error, Uint8Array, Map, Set, cycles handled). */
export function toJsonSafe(value: unknown): unknown {
  return convert(value, new WeakSet<object>(), 0);
}

/** `JSON.stringify` that never throws. */
export function safeStringify(value: unknown): string {
  return JSON.stringify(toJsonSafe(value)) ?? "null";
}

function convert(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case "undefined":
      return undefined;
    case "symbol":
      return value.toString();
    case "function":
      return `[function ${value.name || "anonymous"}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(obj);
  try {
    return convertObject(obj, seen, depth + 1);
  } finally {
    seen.delete(obj);
  }
}

function convertObject(obj: object, seen: WeakSet<object>, depth: number): unknown {
  if (obj instanceof Error) return convertError(obj, seen, depth);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (ArrayBuffer.isView(obj)) return convertBytes(obj);
  if (Array.isArray(obj)) return obj.map((v) => convert(v, seen, depth) ?? null);
  if (obj instanceof Map) return [...obj].map(([k, v]) => [convert(k, seen, depth), convert(v, seen, depth)]);
  if (obj instanceof Set) return [...obj].map((v) => convert(v, seen, depth));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    let v: unknown;
    try {
      v = (obj as Record<string, unknown>)[key];
    } catch (err) {
      v = `[getter threw: ${err instanceof Error ? err.message : String(err)}]`;
    }
    const c = convert(v, seen, depth);
    if (c !== undefined) out[key] = c;
  }
  return out;
}

function convertError(err: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const extra = err as Error & { code?: unknown; cause?: unknown; errors?: unknown };
  if (extra.code !== undefined) out.code = convert(extra.code, seen, depth);
  if (extra.cause !== undefined) out.cause = convert(extra.cause, seen, depth);
  if (Array.isArray(extra.errors)) out.errors = convert(extra.errors, seen, depth);
  return out;
}

function convertBytes(view: ArrayBufferView): Record<string, unknown> {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, Math.min(view.byteLength, MAX_BYTES_SHOWN));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return { bytes: view.byteLength, hex: view.byteLength > MAX_BYTES_SHOWN ? `${hex}...` : hex };
}

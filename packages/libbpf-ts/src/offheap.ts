// V8 stores typed arrays whose ArrayBuffer is at most 64 bytes inside the moving JS heap, so an address
// taken from one may go stale at the next GC. Addresses written into option structs must come from
// larger (off-heap, never moved) buffers; small caller buffers are staged through scratch space.

/** Largest ArrayBuffer V8 may keep on its moving heap. */
export const ON_HEAP_MAX = 64;
/** Size for our own buffers whose address is stored in a struct: safely off-heap. */
export const OFF_HEAP_MIN = 128;

/** Whether `u8`'s memory may move (small, non-shared backing store). */
export function mayMove(u8: Uint8Array): boolean {
  return u8.buffer.byteLength <= ON_HEAP_MAX && !(u8.buffer instanceof SharedArrayBuffer);
}

/** `u8` itself if its address is stable, else a copy of it in `scratch` (at least OFF_HEAP_MIN bytes). */
export function stableIn(u8: Uint8Array, scratch: Uint8Array): Uint8Array {
  if (!mayMove(u8)) return u8;
  const s = scratch.subarray(0, u8.byteLength);
  s.set(u8);
  return s;
}

/** Where native code may write for `u8`: `u8` itself, or scratch to copy back with `copyBack`. */
export function stableOut(u8: Uint8Array, scratch: Uint8Array): Uint8Array {
  return mayMove(u8) ? scratch.subarray(0, u8.byteLength) : u8;
}

/** Copy `written` bytes from the staging buffer back to the caller's, if staging was used. */
export function copyBack(staged: Uint8Array, dst: Uint8Array, written: number): void {
  if (staged !== dst) dst.set(staged.subarray(0, Math.min(written, dst.byteLength)));
}

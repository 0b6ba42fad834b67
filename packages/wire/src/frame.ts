import { LEN_WORD, MAX_FRAME_LEN } from "./constants.js";
import { EncodeError, OversizeFrameError, ZeroLengthFrameError } from "./errors.js";

/** Framing settings; `vnetHdr` is configuration (QEMU's `vnet_hdr_support`), never signalled in-band. */
export interface FrameOptions {
  /** When true, a u32be `vnet_hdr_len` word follows `len`. Both ends must agree. */
  vnetHdr: boolean;
}

/** One decoded frame: `payload` is a view into the input (vnet header bytes included when present). */
export interface DecodedFrame {
  payload: Uint8Array;
  vnetHdrLen: number;
  /** Bytes of input consumed: header words plus payload. */
  bytes: number;
}

/** Bytes a frame with a payload of `payloadLen` takes on the wire. */
export function encodingLength(payloadLen: number, opts: FrameOptions): number {
  return (opts.vnetHdr ? 2 * LEN_WORD : LEN_WORD) + payloadLen;
}

function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

/** Reads a big-endian u32 at `off` (caller checks bounds). */
export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/**
 * Writes `len | [vnet_hdr_len] | payload` into `buf` at `offset` without allocating; returns the bytes written.
 * @example const n = encodeInto(frame, 0, { vnetHdr: false }, out, pos); pos += n;
 */
export function encodeInto(
  payload: Uint8Array,
  vnetHdrLen: number,
  opts: FrameOptions,
  buf: Uint8Array,
  offset = 0,
): number {
  const len = payload.length;
  if (len === 0) throw new EncodeError("cannot encode an empty payload: QEMU never sends zero-length frames");
  if (len > MAX_FRAME_LEN)
    throw new EncodeError(`payload of ${len} bytes exceeds the ${MAX_FRAME_LEN}-byte frame limit`);
  const total = encodingLength(len, opts);
  if (offset < 0 || offset + total > buf.length) {
    throw new EncodeError(
      `buffer too small: need ${total} bytes at offset ${offset}, have ${buf.length - offset}`,
    );
  }
  writeU32(buf, offset, len);
  let p = offset + LEN_WORD;
  if (opts.vnetHdr) {
    writeU32(buf, p, vnetHdrLen >>> 0);
    p += LEN_WORD;
  }
  buf.set(payload, p);
  return total;
}

/** Encodes one frame into a new buffer. */
export function encode(payload: Uint8Array, vnetHdrLen: number, opts: FrameOptions): Uint8Array {
  const out = new Uint8Array(encodingLength(payload.length, opts));
  encodeInto(payload, vnetHdrLen, opts, out, 0);
  return out;
}

/**
 * Decodes one frame starting at `offset`; returns undefined when `buf` does not yet hold all of it.
 * Throws OversizeFrameError (`len` > limit) or ZeroLengthFrameError (`len` = 0, skip `LEN_WORD`s and go on).
 */
export function decode(
  buf: Uint8Array,
  opts: FrameOptions,
  offset = 0,
  limit = MAX_FRAME_LEN,
): DecodedFrame | undefined {
  const hdr = opts.vnetHdr ? 2 * LEN_WORD : LEN_WORD;
  if (buf.length - offset < LEN_WORD) return undefined;
  const len = readU32(buf, offset);
  if (len > limit) throw new OversizeFrameError(len, limit);
  if (buf.length - offset < hdr) return undefined;
  if (len === 0) throw new ZeroLengthFrameError();
  if (buf.length - offset < hdr + len) return undefined;
  const vnetHdrLen = opts.vnetHdr ? readU32(buf, offset + LEN_WORD) : 0;
  return { payload: buf.subarray(offset + hdr, offset + hdr + len), vnetHdrLen, bytes: hdr + len };
}

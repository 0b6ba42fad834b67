import { PcapError } from "./errors.js";

/** Link type of Ethernet frames in pcap files (LINKTYPE_ETHERNET). */
export const PCAP_LINKTYPE_ETHERNET = 1;
/** Classic pcap magic for microsecond timestamps, written little-endian. */
const PCAP_MAGIC = 0xa1b2c3d4;
/** Snap length colod uses: the largest frame the wire protocol allows (SPEC 2: 69632). */
export const PCAP_DEFAULT_SNAPLEN = 69632;
/** Bytes of the pcap file (global) header. */
export const PCAP_FILE_HEADER_LEN = 24;
/** Bytes of each record header (seconds, microseconds, captured length, original length). */
export const PCAP_RECORD_HEADER_LEN = 16;

/** Options of a pcap file: snap length and link type. */
export interface PcapOptions {
  snapLen?: number;
  linkType?: number;
}

/** The 24-byte pcap global header (version 2.4, little-endian, microsecond timestamps). */
export function pcapFileHeader(opts: PcapOptions = {}): Uint8Array {
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PCAP_MAGIC, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, opts.snapLen ?? PCAP_DEFAULT_SNAPLEN, true);
  dv.setUint32(20, opts.linkType ?? PCAP_LINKTYPE_ETHERNET, true);
  return out;
}

/**
 * Writes the 16-byte record header for a frame of `frameLen` bytes captured at `timeMs` (Unix ms) into
 * `out` at `offset` (a fresh buffer when omitted); write the frame bytes right after it. Frames longer
 * than `snapLen` are recorded truncated: write only the first `snapLen` bytes.
 */
export function pcapRecordHeader(
  frameLen: number,
  timeMs: number,
  snapLen = PCAP_DEFAULT_SNAPLEN,
  out = new Uint8Array(PCAP_RECORD_HEADER_LEN),
  offset = 0,
): Uint8Array {
  if (!(timeMs >= 0) || !Number.isInteger(frameLen) || frameLen < 0 || frameLen > 0xffffffff) {
    throw new PcapError(`pcap record: frame length ${frameLen} or time ${timeMs} ms is not representable`);
  }
  const dv = new DataView(out.buffer, out.byteOffset + offset, PCAP_RECORD_HEADER_LEN);
  const usec = Math.round(timeMs * 1000);
  dv.setUint32(0, Math.floor(usec / 1e6) >>> 0, true);
  dv.setUint32(4, usec % 1e6, true);
  dv.setUint32(8, Math.min(frameLen, snapLen), true);
  dv.setUint32(12, frameLen, true);
  return out;
}

/** A frame and its capture time (Unix ms), for `writePcap`. */
export interface PcapRecord {
  data: Uint8Array;
  timeMs?: number;
}

/** Builds a whole pcap file from frames (time defaults to one millisecond apart from 0). */
export function writePcap(frames: Iterable<Uint8Array | PcapRecord>, opts: PcapOptions = {}): Uint8Array {
  const snap = opts.snapLen ?? PCAP_DEFAULT_SNAPLEN;
  const recs = [...frames].map((f, i) => (f instanceof Uint8Array ? { data: f, timeMs: i } : f));
  const size = recs.reduce((n, r) => n + PCAP_RECORD_HEADER_LEN + Math.min(r.data.length, snap), 0);
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN + size);
  out.set(pcapFileHeader({ ...opts, snapLen: snap }), 0);
  let o = PCAP_FILE_HEADER_LEN;
  recs.forEach((r, i) => {
    pcapRecordHeader(r.data.length, r.timeMs ?? i, snap, out, o);
    o += PCAP_RECORD_HEADER_LEN;
    const kept = r.data.subarray(0, snap);
    out.set(kept, o);
    o += kept.length;
  });
  return out;
}

/** Reads a little-endian microsecond pcap file (as `writePcap` writes): link type and records (views). */
export function readPcap(file: Uint8Array): { linkType: number; snapLen: number; records: PcapRecord[] } {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < PCAP_FILE_HEADER_LEN || dv.getUint32(0, true) !== PCAP_MAGIC) {
    throw new PcapError("not a little-endian microsecond pcap file (bad magic); write it with writePcap");
  }
  const records: PcapRecord[] = [];
  let o = PCAP_FILE_HEADER_LEN;
  while (o + PCAP_RECORD_HEADER_LEN <= file.length) {
    const timeMs = dv.getUint32(o, true) * 1000 + dv.getUint32(o + 4, true) / 1000;
    const incl = dv.getUint32(o + 8, true);
    o += PCAP_RECORD_HEADER_LEN;
    if (o + incl > file.length) throw new PcapError(`pcap record at byte ${o} runs past the end of the file`);
    records.push({ data: file.subarray(o, o + incl), timeMs });
    o += incl;
  }
  if (o !== file.length) throw new PcapError(`pcap file ends inside a record header at byte ${o}`);
  return { linkType: dv.getUint32(20, true), snapLen: dv.getUint32(16, true), records };
}

// Pre-built input for the colod-vs-QEMU bench: one framed primary stream and one framed secondary stream
// (`u32be len | frame`, no vnet word), pair i at the same byte offset in both. Frame i carries its index in
// the IP TOS byte and IP ID (never compared by either comparator, released byte-for-byte), so the output
// verifier can name every released frame without a lookup table.
import { Buffer } from "node:buffer";
import { buildFrame } from "@colod/packet";

/** A workload's two input streams and what the verifier needs to check the output. */
export interface Workload {
  name: string;
  pairs: number;
  /** Framed primary stream; it is also the expected output, frame by frame. */
  primary: Buffer;
  secondary: Buffer;
  /** offsets[i] = start of pair i's length word in both streams; offsets[pairs] = stream length. */
  offsets: Uint32Array;
  /** Connection number of pair i (for the per-connection order check). */
  flowOf: Uint32Array;
  flows: number;
  /** Sum of released frame lengths (Ethernet bytes, no length words). */
  frameBytes: number;
}

/** The largest index TOS + IP ID can carry. */
export const MAX_PAIRS = 1 << 24;

type Kind = "udp" | "tcp" | "icmp";

/** Per-connection template: a primary and a secondary frame, patched per pair. */
interface Template {
  kind: Kind;
  flow: number;
  pri: Uint8Array;
  sec: Uint8Array;
  seq: number;
}

const ETH = 14;
const IP_TOS = ETH + 1;
const IP_ID = ETH + 4;
const IP_CSUM = ETH + 10;
const TCP_SEQ = ETH + 20 + 4;
const TCP_CSUM = ETH + 20 + 16;
/** UDP payload of issue 7. */
export const UDP_PAYLOAD = 64;
/** TCP segment payload of issue 7 (1448 B: an MSS of 1460 less the timestamp option). */
export const TCP_PAYLOAD = 1448;
const ICMP_PAYLOAD = 56;

function payload(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  let s = (seed * 2654435761) | 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    p[i] = s >>> 24;
  }
  return p;
}

function template(kind: Kind, flow: number, global: number): Template {
  const dst = `10.1.${(flow >> 8) & 0xff}.${flow & 0xff}`;
  let spec: Parameters<typeof buildFrame>[0];
  if (kind === "udp") {
    spec = {
      proto: "udp",
      dst,
      sport: 1024 + (flow % 60000),
      dport: 53,
      payload: payload(UDP_PAYLOAD, global),
    };
  } else if (kind === "tcp") {
    spec = {
      proto: "tcp",
      dst,
      sport: 40000 + flow,
      dport: 443,
      seq: 0,
      ack: 1 + flow,
      payload: payload(TCP_PAYLOAD, global),
    };
  } else {
    spec = { proto: "icmp", dst, sport: flow, dport: 0, payload: payload(ICMP_PAYLOAD, global) };
  }
  // The secondary differs only where a real secondary does and neither comparator looks: TTL and IP ID.
  return {
    kind,
    flow,
    pri: buildFrame(spec),
    sec: buildFrame({ ...spec, ttl: 63 }),
    seq: Math.imul(flow + 1, 0x9e3779b9) >>> 0,
  };
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function ipChecksum(b: Buffer, o: number): void {
  b[o + IP_CSUM] = 0;
  b[o + IP_CSUM + 1] = 0;
  let sum = 0;
  for (let i = ETH; i < ETH + 20; i += 2) sum += (b[o + i]! << 8) | b[o + i + 1]!;
  b.writeUInt16BE(~fold(sum) & 0xffff, o + IP_CSUM);
}

/** Writes seq into a frame built with seq 0 and adjusts its TCP checksum (RFC 1624, old words are 0). */
function patchSeq(b: Buffer, o: number, seq: number): void {
  b.writeUInt32BE(seq, o + TCP_SEQ);
  const old = b.readUInt16BE(o + TCP_CSUM);
  b.writeUInt16BE(~fold((~old & 0xffff) + (seq >>> 16) + (seq & 0xffff)) & 0xffff, o + TCP_CSUM);
}

function put(
  b: Buffer,
  at: number,
  frame: Uint8Array,
  index: number,
  idXor: number,
  seq: number | undefined,
): void {
  b.writeUInt32BE(frame.length, at);
  const o = at + 4;
  b.set(frame, o);
  b[o + IP_TOS] = index >>> 16;
  b.writeUInt16BE((index & 0xffff) ^ idXor, o + IP_ID);
  ipChecksum(b, o);
  if (seq !== undefined) patchSeq(b, o, seq);
}

/** Builds `pairs` pairs, pair i on connection pick(i) of `templates`. */
function assemble(name: string, pairs: number, templates: Template[], pick: (i: number) => number): Workload {
  if (pairs > MAX_PAIRS) throw new Error(`${name}: at most ${MAX_PAIRS} pairs fit the TOS/IP-ID index`);
  const offsets = new Uint32Array(pairs + 1);
  const flowOf = new Uint32Array(pairs);
  let len = 0;
  let frameBytes = 0;
  for (let i = 0; i < pairs; i++) {
    const f = pick(i);
    const t = templates[f]!;
    flowOf[i] = f;
    offsets[i] = len;
    len += 4 + t.pri.length;
    frameBytes += t.pri.length;
  }
  offsets[pairs] = len;
  const primary = Buffer.allocUnsafe(len);
  const secondary = Buffer.allocUnsafe(len);
  for (let i = 0; i < pairs; i++) {
    const t = templates[flowOf[i]!]!;
    const seq = t.kind === "tcp" ? t.seq : undefined;
    put(primary, offsets[i]!, t.pri, i, 0, seq);
    put(secondary, offsets[i]!, t.sec, i, 0x5a5a, seq);
    if (t.kind === "tcp") t.seq = (t.seq + TCP_PAYLOAD) >>> 0;
  }
  return { name, pairs, primary, secondary, offsets, flowOf, flows: templates.length, frameBytes };
}

/** UDP, 64 B payloads, round-robin over `flows` connections (issue 7: 1000). */
export function udpWorkload(pairs: number, flows = 1000): Workload {
  const t = Array.from({ length: flows }, (_, f) => template("udp", f, f));
  return assemble(`UDP ${UDP_PAYLOAD} B x ${flows} flows`, pairs, t, (i) => i % flows);
}

/** TCP, 1448 B segments in sequence, round-robin over `flows` connections (issue 7: 50). */
export function tcpWorkload(pairs: number, flows = 50): Workload {
  const t = Array.from({ length: flows }, (_, f) => template("tcp", f, f));
  return assemble(`TCP ${TCP_PAYLOAD} B x ${flows} flows`, pairs, t, (i) => i % flows);
}

/** Of every 8 pairs: 5 UDP (1000 flows), 2 TCP (50 flows), 1 ICMP echo (100 flows). */
export function mixedWorkload(pairs: number): Workload {
  const t = [
    ...Array.from({ length: 1000 }, (_, f) => template("udp", f, f)),
    ...Array.from({ length: 50 }, (_, f) => template("tcp", f, 1000 + f)),
    ...Array.from({ length: 100 }, (_, f) => template("icmp", f, 1050 + f)),
  ];
  const counters = [0, 0, 0];
  const pick = (i: number): number => {
    const slot = i % 8;
    if (slot < 5) return (counters[0]!++ % 1000) + 0;
    if (slot < 7) return 1000 + (counters[1]!++ % 50);
    return 1050 + (counters[2]!++ % 100);
  };
  return assemble("mixed 5 UDP : 2 TCP : 1 ICMP", pairs, t, pick);
}

/** `held` UDP primaries over `flows` connections, then one marker pair on a connection of its own. */
export function heldWorkload(held: number, flows = 1000): Workload {
  const t = Array.from({ length: flows + 1 }, (_, f) => template("udp", f, f));
  return assemble(`${held} held UDP frames`, held + 1, t, (i) => (i < held ? i % flows : flows));
}

/** One UDP pair on each of `conns` connections. */
export function connWorkload(conns: number): Workload {
  const t = Array.from({ length: conns }, (_, f) => template("udp", f, f));
  return assemble(`${conns} UDP connections`, conns, t, (i) => i);
}

/** Index a released frame carries (TOS << 16 | IP ID). */
export function frameIndex(b: Uint8Array, frameStart: number): number {
  return (b[frameStart + IP_TOS]! << 16) | (b[frameStart + IP_ID]! << 8) | b[frameStart + IP_ID + 1]!;
}

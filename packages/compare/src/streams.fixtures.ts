import { buildFrame, TcpFlag } from "@colod/packet";
import fc from "fast-check";

/** One frame on the timeline: which side, which flow, which frame, how long after the previous event (ms). */
export interface Ev {
  primary: boolean;
  flow: number;
  frame: Uint8Array;
  /** Stream positions [from, to) this frame's payload covers (TCP), for the corruption property. */
  from: number;
  to: number;
}

/** The frames of one flow on both sides, each list in the order that guest sends it. */
export interface FlowFrames {
  pri: Ev[];
  sec: Ev[];
}

/** Fixed default seed so CI is reproducible; COLOD_FC_SEED overrides it (fast-check prints the seed on failure). */
export const FC_SEED = Number(process.env.COLOD_FC_SEED ?? 0x4c010d);

/** UDP flow `flow` carrying these payloads; the secondary copy differs only in IP ID and TTL. */
export function udpFlow(flow: number, payloads: Uint8Array[]): FlowFrames {
  const mk = (primary: boolean, payload: Uint8Array, i: number): Ev => ({
    primary,
    flow,
    frame: buildFrame({
      proto: "udp",
      sport: 1000 + flow,
      payload,
      ipId: primary ? i : 999 - i,
      ttl: primary ? 64 : 63,
    }),
    from: i,
    to: i + 1,
  });
  return { pri: payloads.map((p, i) => mk(true, p, i)), sec: payloads.map((p, i) => mk(false, p, i)) };
}

/** How one side segments and closes a TCP stream. */
export interface TcpShape {
  /** Segment sizes, used in a cycle. */
  cuts: number[];
  /** Where the FIN goes when the stream has one: 1 on the last data segment, 2 in a segment of its own. */
  fin: 1 | 2;
}

/** Everything that defines one TCP flow on both sides. */
export interface TcpCase {
  data: Uint8Array;
  isnP: number;
  isnS: number;
  /** With SYNs the secondary's ISN differs and the engine must learn the offset; without, both use isnP. */
  syn: boolean;
  /** Both sides close with a FIN (each placing it its own way). */
  fin: boolean;
  ackBase: number;
  p: TcpShape;
  s: TcpShape;
}

function tcpSide(flow: number, c: TcpCase, primary: boolean): Ev[] {
  const shape = primary ? c.p : c.s;
  const fin = c.fin ? shape.fin : 0;
  const isn = primary || !c.syn ? c.isnP : c.isnS;
  const first = c.syn ? isn + 1 : isn;
  const sport = 2000 + flow;
  const out: Ev[] = [];
  const ev = (frame: Uint8Array, from: number, to: number) => out.push({ primary, flow, frame, from, to });
  if (c.syn) ev(buildFrame({ proto: "tcp", sport, seq: isn >>> 0, flags: TcpFlag.SYN }), 0, 0);
  const ack = (end: number) => (c.ackBase + end) >>> 0;
  let off = 0;
  let k = 0;
  while (off < c.data.length) {
    const n = Math.min(shape.cuts[k++ % shape.cuts.length]!, c.data.length - off);
    const last = off + n === c.data.length;
    const flags = TcpFlag.ACK | TcpFlag.PSH | (last && fin === 1 ? TcpFlag.FIN : 0);
    const payload = c.data.subarray(off, off + n);
    ev(
      buildFrame({ proto: "tcp", sport, seq: (first + off) >>> 0, ack: ack(off + n), flags, payload }),
      off,
      off + n,
    );
    off += n;
  }
  if (fin === 2 || (fin === 1 && c.data.length === 0)) {
    const flags = TcpFlag.FIN | TcpFlag.ACK;
    ev(buildFrame({ proto: "tcp", sport, seq: (first + off) >>> 0, ack: ack(off), flags }), off, off);
  }
  return out;
}

/** TCP flow `flow`: the same bytes on both sides with independent segmentation and FIN placement. */
export function tcpFlow(flow: number, c: TcpCase): FlowFrames {
  return { pri: tcpSide(flow, c, true), sec: tcpSide(flow, c, false) };
}

/**
 * Interleaves every flow's primary and secondary lists into one timeline: `picks` chooses the next non-empty
 * list; each list keeps its own order (a guest sends in order).
 */
export function interleave(flows: FlowFrames[], picks: number[]): Ev[] {
  const lists = flows.flatMap((f) => [f.pri.slice(), f.sec.slice()]);
  const out: Ev[] = [];
  let i = 0;
  for (;;) {
    const open = lists.filter((l) => l.length > 0);
    if (open.length === 0) return out;
    const pick = picks.length > 0 ? picks[i++ % picks.length]! : 0;
    out.push(open[pick % open.length]!.shift()!);
  }
}

/** Random bytes of length 0..max. */
export const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

/** A random TCP case (stream up to `max` bytes, ISNs anywhere including across the 2^32 wrap). */
export function tcpCase(max: number): fc.Arbitrary<TcpCase> {
  const shape = fc.record({
    cuts: fc.array(fc.integer({ min: 1, max: 1448 }), { minLength: 1, maxLength: 6 }),
    fin: fc.constantFrom<1 | 2>(1, 2),
  });
  const isn = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0xffffff00, max: 0xffffffff }),
  );
  return fc.record({
    data: bytes(max),
    isnP: isn,
    isnS: isn,
    syn: fc.boolean(),
    fin: fc.boolean(),
    ackBase: fc.integer({ min: 0, max: 0xffffffff }),
    p: shape,
    s: shape,
  });
}

/**
 * Adds what real TCP senders also emit to one side's list: pure ACKs at a segment boundary (seq = that
 * segment's end, ack as the segment's) and retransmissions of earlier data segments a few frames later.
 * Each `noise` number picks the kind (bit 0), the segment (bits 1-7) and the delay in frames (bits 8+).
 */
export function addNoise(list: Ev[], noise: number[]): Ev[] {
  const out = list.slice();
  const data = list.filter((e) => e.to > e.from);
  if (data.length === 0) return out;
  for (const n of noise) {
    const seg = data[(n >> 1) % data.length]!;
    const at = out.indexOf(seg);
    const copy = seg.frame.slice();
    if (n & 1) {
      // A pure ACK right after `seg`: same ports and ack, seq at its end, no payload, flags ACK only.
      const l4 = copy.length - (seg.to - seg.from) - 20;
      const ack = buildFrame({
        proto: "tcp",
        sport: (copy[l4]! << 8) | copy[l4 + 1]!,
        seq:
          (((copy[l4 + 4]! << 24) | (copy[l4 + 5]! << 16) | (copy[l4 + 6]! << 8) | copy[l4 + 7]!) +
            seg.to -
            seg.from) >>>
          0,
        ack: ((copy[l4 + 8]! << 24) | (copy[l4 + 9]! << 16) | (copy[l4 + 10]! << 8) | copy[l4 + 11]!) >>> 0,
        flags: TcpFlag.ACK,
      });
      out.splice(at + 1, 0, { ...seg, frame: ack, from: seg.to, to: seg.to });
    } else {
      const later = Math.min(out.length, at + 1 + ((n >> 8) % 5));
      out.splice(later, 0, { ...seg, frame: copy });
    }
  }
  return out;
}

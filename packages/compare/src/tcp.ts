import { type PacketInfo, seqAdd, seqAfter, seqDiff, TcpFlag } from "@colod/packet";
import { rangesEqual } from "./bytes.js";
import type { ConnState } from "./conn-state.js";
import type { Core } from "./core.js";
import { Deque } from "./deque.js";
import { Held } from "./held.js";

/**
 * One TCP connection compared as a byte stream in the primary's sequence space (SPEC 5). Both sides are kept
 * sorted by sequence number (wrap-aware, stable). `frontier` is the position up to which primary bytes have been
 * found equal to secondary bytes at the same positions; primary segments leave from the head, in sequence order,
 * once their bytes are below the frontier and their flags and ack are matched by the secondary.
 */
export class TcpStream {
  readonly pri = new Deque<Held>(4);
  readonly sec = new Deque<Held>(4);
  /** Bytes before `frontier` are compared (or are retransmissions of compared bytes). */
  frontierSet = false;
  frontier = 0;
  /** Secondary ISN minus primary ISN, learned from the two SYNs of a guest-opened connection. */
  offset = 0;
  private priIsnSet = false;
  private priIsn = 0;
  private secIsnSet = false;
  private secIsn = 0;
  private offsetLearned = false;
  /** What the secondary has shown on this connection (positions in the primary's space). */
  secAny = false;
  secAckSeen = false;
  secMaxAck = 0;
  secSyn = false;
  secFinSeen = false;
  secFinPos = 0;
  secRstSeen = false;
  secRstPos = 0;

  /** Forgets comparison state and offsets (checkpoint: the secondary is now a copy of the primary). */
  reset(): void {
    this.frontierSet = false;
    this.frontier = 0;
    this.offset = 0;
    this.priIsnSet = false;
    this.secIsnSet = false;
    this.offsetLearned = false;
    this.secAny = false;
    this.secAckSeen = false;
    this.secMaxAck = 0;
    this.secSyn = false;
    this.secFinSeen = false;
    this.secRstSeen = false;
  }

  /** Records the primary's ISN from a SYN without ACK (a guest-opened connection). */
  notePrimarySyn(seq: number): void {
    if (this.priIsnSet) return;
    this.priIsnSet = true;
    this.priIsn = seq;
    this.learn();
  }

  /** Records the secondary's ISN from a SYN without ACK (raw, in the secondary's space). */
  noteSecondarySyn(seq: number): void {
    if (this.secIsnSet) return;
    this.secIsnSet = true;
    this.secIsn = seq;
    this.learn();
  }

  private learn(): void {
    if (this.offsetLearned || !this.priIsnSet || !this.secIsnSet) return;
    this.offsetLearned = true;
    const next = (this.secIsn - this.priIsn) >>> 0;
    const delta = (next - this.offset) | 0;
    this.offset = next;
    if (delta === 0) return;
    // Anything the secondary showed before the second SYN was placed with the old offset: move it.
    for (let i = 0; i < this.sec.length; i++) {
      const h = this.sec.get(i);
      h.seq = seqAdd(h.seq, -delta);
    }
    this.secFinPos = seqAdd(this.secFinPos, -delta);
    this.secRstPos = seqAdd(this.secRstPos, -delta);
  }
}

/** Inserts by sequence number, after any equal ones (arrival order); in-order arrivals append in O(1). */
function insertSorted(q: Deque<Held>, h: Held): void {
  let i = q.length;
  while (i > 0 && seqAfter(q.get(i - 1).seq, h.seq)) i--;
  q.insertAt(i, h);
}

function endOf(h: Held): number {
  return seqAdd(h.seq, h.len);
}

/** Wraps a TCP frame for holding; `seq` is already in the primary's space. */
function tcpHeld(frame: Uint8Array, vnetHdrLen: number, info: PacketInfo, now: number, seq: number): Held {
  const len = info.cmpEnd - info.cmpStart;
  return new Held(frame, vnetHdrLen, now, info.cmpStart, info.cmpEnd, seq, len, info.tcpAck, info.tcpFlags);
}

/** Holds a primary TCP segment and runs the connection's comparison. */
export function tcpPushPrimary(
  core: Core,
  st: ConnState,
  ts: TcpStream,
  frame: Uint8Array,
  info: PacketInfo,
  now: number,
): void {
  if ((info.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) ts.notePrimarySyn(info.tcpSeq);
  const h = tcpHeld(frame, info.vnetHdrLen, info, now, info.tcpSeq);
  insertSorted(ts.pri, h);
  core.hold(st, h, true);
  advance(core, st, ts, now);
}

/** Takes in a secondary TCP segment: its ack and flags always, its bytes unless already compared. */
export function tcpPushSecondary(
  core: Core,
  st: ConnState,
  ts: TcpStream,
  frame: Uint8Array,
  info: PacketInfo,
  now: number,
): void {
  const flags = info.tcpFlags;
  if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) ts.noteSecondarySyn(info.tcpSeq);
  ts.secAny = true;
  if (flags & TcpFlag.ACK && (!ts.secAckSeen || seqAfter(info.tcpAck, ts.secMaxAck))) {
    ts.secAckSeen = true;
    ts.secMaxAck = info.tcpAck;
  }
  const seq = seqAdd(info.tcpSeq, -ts.offset);
  const len = info.cmpEnd - info.cmpStart;
  const end = seqAdd(seq, len);
  if (flags & TcpFlag.SYN) ts.secSyn = true;
  if (flags & TcpFlag.FIN) {
    ts.secFinSeen = true;
    ts.secFinPos = end;
  }
  if (flags & TcpFlag.RST) {
    ts.secRstSeen = true;
    ts.secRstPos = end;
  }
  if (len === 0) {
    core.absorbed(st);
  } else if (ts.frontierSet && !seqAfter(end, ts.frontier)) {
    core.drop(st, false, frame, "retransmit");
  } else {
    const h = tcpHeld(frame, info.vnetHdrLen, info, now, seq);
    insertSorted(ts.sec, h);
    core.hold(st, h, false);
  }
  advance(core, st, ts, now);
}

/** Compares what can be compared, then releases what can leave; a difference is one divergence request. */
function advance(core: Core, st: ConnState, ts: TcpStream, now: number): void {
  const ok = verify(core, st, ts);
  prune(core, st, ts);
  releaseHead(core, st, ts, now);
  if (!ok) core.request("divergence", st);
}

/**
 * Moves the frontier through the held primary bytes, in sequence order, while the secondary has bytes at the
 * same positions. Returns false on the first difference; a missing secondary range just stops (wait).
 */
function verify(core: Core, st: ConnState, ts: TcpStream): boolean {
  const pri = ts.pri;
  for (let i = 0; i < pri.length; i++) {
    const p = pri.get(i);
    if (p.len === 0) continue;
    const pend = endOf(p);
    if (ts.frontierSet && !seqAfter(pend, ts.frontier)) continue;
    let pos = !ts.frontierSet || seqAfter(p.seq, ts.frontier) ? p.seq : ts.frontier;
    while (pos !== pend) {
      const s = cover(core, st, ts, pos);
      if (s === undefined) return true;
      const send = endOf(s);
      const stop = seqAfter(send, pend) ? pend : send;
      const n = seqDiff(stop, pos);
      if (!rangesEqual(p.frame, p.start + seqDiff(pos, p.seq), s.frame, s.start + seqDiff(pos, s.seq), n)) {
        core.diverged(st, p, s);
        return false;
      }
      core.compared(st, n);
      pos = stop;
      ts.frontier = stop;
      ts.frontierSet = true;
      if (stop === send) core.consumed(st, ts.sec.shift());
    }
  }
  return true;
}

/**
 * The secondary segment holding byte `pos` (always the head: everything ending at or before `pos` is removed
 * on the way, consumed if the frontier had passed it, stale if the primary skipped those positions).
 */
function cover(core: Core, st: ConnState, ts: TcpStream, pos: number): Held | undefined {
  const sec = ts.sec;
  while (sec.length > 0) {
    const s = sec.get(0);
    if (seqAfter(s.seq, pos)) return undefined;
    const send = endOf(s);
    if (seqAfter(send, pos)) return s;
    sec.shift();
    if (ts.frontierSet && !seqAfter(send, ts.frontier)) core.consumed(st, s);
    else core.dropHeld(st, s, "stale");
  }
  return undefined;
}

/** Removes secondary segments the frontier has fully passed, so consumed bytes never linger. */
function prune(core: Core, st: ConnState, ts: TcpStream): void {
  if (!ts.frontierSet) return;
  const sec = ts.sec;
  while (sec.length > 0 && !seqAfter(endOf(sec.get(0)), ts.frontier)) core.consumed(st, sec.shift());
}

/** True when the head primary segment may leave: bytes compared, flags matched, ack covered by the secondary. */
function releasable(ts: TcpStream, p: Held): boolean {
  const end = endOf(p);
  if (p.len > 0) {
    if (!ts.frontierSet || seqAfter(end, ts.frontier)) return false;
  } else if (!ts.secAny) {
    return false;
  }
  const f = p.flags;
  if (f & TcpFlag.SYN && !ts.secSyn) return false;
  if (f & TcpFlag.FIN && !(ts.secFinSeen && ts.secFinPos === end)) return false;
  if (f & TcpFlag.RST && !(ts.secRstSeen && ts.secRstPos === end)) return false;
  if (f & TcpFlag.ACK && !(ts.secAckSeen && !seqAfter(p.ack, ts.secMaxAck))) return false;
  return true;
}

function releaseHead(core: Core, st: ConnState, ts: TcpStream, now: number): void {
  const pri = ts.pri;
  while (pri.length > 0 && releasable(ts, pri.get(0))) core.release(st, pri.shift(), now, false);
}

/** Checkpoint for one connection: primary segments leave in sequence order, secondary ones are dropped. */
export function tcpFlush(core: Core, st: ConnState, ts: TcpStream, now: number): void {
  while (ts.pri.length > 0) core.release(st, ts.pri.shift(), now, true);
  while (ts.sec.length > 0) core.dropHeld(st, ts.sec.shift(), "checkpoint");
  ts.reset();
}

/** True when a held segment on either side arrived more than `timeoutMs` before `now`. */
export function tcpHasOld(ts: TcpStream, now: number, timeoutMs: number): boolean {
  for (let i = 0; i < ts.pri.length; i++) if (now - ts.pri.get(i).arrival > timeoutMs) return true;
  for (let i = 0; i < ts.sec.length; i++) if (now - ts.sec.get(i).arrival > timeoutMs) return true;
  return false;
}

import type { PacketInfo } from "@colod/packet";
import { rangesEqual } from "./bytes.js";
import type { ConnState } from "./conn-state.js";
import type { Core } from "./core.js";
import { Held } from "./held.js";

/** Wraps a UDP/ICMP/other/malformed frame for holding: only its compared region matters. */
export function fifoHeld(frame: Uint8Array, vnetHdrLen: number, info: PacketInfo, now: number): Held {
  return new Held(frame, vnetHdrLen, now, info.cmpStart, info.cmpEnd, 0, 0, 0, 0);
}

function sameRegion(a: Held, b: Held): boolean {
  const n = a.end - a.start;
  return n === b.end - b.start && rangesEqual(a.frame, a.start, b.frame, b.start, n);
}

function findMatch(p: Held, st: ConnState): number {
  const sec = st.fifoSec;
  for (let i = 0; i < sec.length; i++) if (sameRegion(p, sec.get(i))) return i;
  return -1;
}

/**
 * One comparison round (SPEC 5): the oldest primary frame against the secondary queue, oldest first; a match
 * releases it and consumes the secondary frame; no match is a divergence and ends the round.
 */
export function fifoRound(core: Core, st: ConnState, now: number): void {
  const pri = st.fifoPri;
  while (pri.length > 0 && st.fifoSec.length > 0) {
    const p = pri.get(0);
    const i = findMatch(p, st);
    if (i < 0) {
      core.diverged(st, p, st.fifoSec.get(0));
      core.request("divergence", st);
      return;
    }
    const s = st.fifoSec.removeAt(i);
    pri.shift();
    core.compared(st, p.end - p.start);
    core.consumed(st, s);
    core.release(st, p, now, false);
  }
}

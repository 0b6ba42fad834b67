import { buildFrame, type FrameSpec, TcpFlag } from "@colod/packet";
import { Comparator } from "./comparator.js";
import type { CompareOptions } from "./options.js";
import type { CheckpointReason, CompareSink, ConnInfo, DropCause } from "./types.js";

/** Everything a sink saw, in order, for assertions. */
export interface Recorded {
  released: Uint8Array[];
  drops: { side: "primary" | "secondary"; frame: Uint8Array; cause: DropCause }[];
  requests: { reason: CheckpointReason; conn: ConnInfo | undefined }[];
}

/** A comparator with a recording sink and a hand-driven clock. */
export function rig(opts: CompareOptions = {}): { cmp: Comparator; rec: Recorded; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  const rec: Recorded = { released: [], drops: [], requests: [] };
  const sink: CompareSink = {
    release: (frame) => rec.released.push(frame),
    drop: (side, frame, cause) => rec.drops.push({ side, frame, cause }),
    checkpointRequest: (reason, conn) => rec.requests.push({ reason, conn }),
  };
  const cmp = new Comparator({ now: () => clock.t, ...opts }, sink);
  return { cmp, rec, clock };
}

/** A UDP frame with this payload (default flow 10.0.0.1:1234 -> 10.0.0.2:5678). */
export function udp(payload: string | Uint8Array, spec: FrameSpec = {}): Uint8Array {
  return buildFrame({ proto: "udp", payload, ...spec });
}

/** A TCP segment: seq, payload, ack (ACK flag set by default; PSH with payload). */
export function tcp(seq: number, payload: string | Uint8Array, ack = 1, spec: FrameSpec = {}): Uint8Array {
  return buildFrame({ proto: "tcp", seq, ack, payload, ...spec });
}

/** A TCP segment without payload and with exactly these flags. */
export function ctl(seq: number, flags: number, ack = 0, spec: FrameSpec = {}): Uint8Array {
  return buildFrame({ proto: "tcp", seq, ack, flags, ...spec });
}

export { TcpFlag };

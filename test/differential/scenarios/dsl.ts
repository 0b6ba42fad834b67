// Shorthands that keep the scenario tables readable; they only build plain Scenario data.
import type { FrameSpec } from "@colod/packet";
import type { FrameDesc, NotifyIn, Outcome, Step } from "../scenario.js";

/** A frame on the primary input. */
export function P(label: string, frame: FrameDesc, vnetWord?: number): Step {
  return vnetWord === undefined ? { side: "p", label, frame } : { side: "p", label, frame, vnetWord };
}

/** A frame on the secondary input. */
export function S(label: string, frame: FrameDesc, vnetWord?: number): Step {
  return vnetWord === undefined ? { side: "s", label, frame } : { side: "s", label, frame, vnetWord };
}

/** A notify message from the COLO frame. */
export function N(notify: NotifyIn): Step {
  return { notify };
}

/** A pause (real time for QEMU and the colod process, the virtual clock for the in-process engine). */
export function W(ms: number): Step {
  return { wait: ms };
}

/** A UDP datagram (default ports 1234 -> 5678). */
export function udp(payload: string, more: FrameSpec = {}): FrameSpec {
  return { proto: "udp", payload, ...more };
}

/** A TCP segment with ACK 500 unless `more` says otherwise. */
export function tcp(seq: number, payload: string, more: FrameSpec = {}): FrameSpec {
  return { proto: "tcp", seq, ack: 500, payload, ...more };
}

/** An ICMP echo request (sport = identifier, dport = sequence). */
export function icmp(payload: string, more: FrameSpec = {}): FrameSpec {
  return { proto: "icmp", payload, ...more };
}

/** An outcome: released during the steps, released by the final checkpoint, DO_CHECKPOINT count. */
export function O(
  out: string[],
  flushed: string[] = [],
  checkpoints: Outcome["checkpoints"] = 0,
  more: Partial<Outcome> = {},
): Outcome {
  return { out, flushed, checkpoints, ...more };
}

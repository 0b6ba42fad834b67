import { Tally } from "./counters.js";
import { Deque } from "./deque.js";
import type { Held } from "./held.js";
import type { TcpStream } from "./tcp.js";
import type { ConnInfo } from "./types.js";

/** Per-connection engine state, kept in the connection table's `state` slot. */
export class ConnState {
  /** This connection's counters. */
  readonly tally = new Tally();
  /** UDP/ICMP/other/malformed frames, each side in arrival order. */
  readonly fifoPri = new Deque<Held>(2);
  readonly fifoSec = new Deque<Held>(2);
  /** TCP byte-stream state, created by the first TCP frame of the connection. */
  tcp: TcpStream | undefined = undefined;

  constructor(
    /** The table entry this state belongs to (reported with checkpoint requests). */
    readonly conn: ConnInfo,
  ) {}

  /** True when nothing is held: the table may evict this connection. */
  idle(): boolean {
    return this.tally.heldPrimaryFrames === 0 && this.tally.heldSecondaryFrames === 0;
  }
}

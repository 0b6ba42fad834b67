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

  /**
   * The connection's 5-tuple as reported with checkpoint requests and counter rows: a frozen copy made once per
   * connection, so callers can keep or serialise it (the table entry itself points back at this state).
   */
  readonly conn: ConnInfo;

  constructor(c: ConnInfo) {
    this.conn = Object.freeze({
      id: c.id,
      proto: c.proto,
      srcAddr: c.srcAddr,
      dstAddr: c.dstAddr,
      srcPort: c.srcPort,
      dstPort: c.dstPort,
    });
  }

  /** True when nothing is held: the table may evict this connection. */
  idle(): boolean {
    return this.tally.heldPrimaryFrames === 0 && this.tally.heldSecondaryFrames === 0;
  }
}

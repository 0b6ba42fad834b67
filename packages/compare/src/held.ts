/**
 * One held frame and the fields the engine needs after the shared PacketInfo record has moved on. A small
 * object per held frame is the only allocation holding needs; released frames are not copied.
 */
export class Held {
  constructor(
    /** The frame as pushed (vnet header included); never mutated. */
    readonly frame: Uint8Array,
    readonly vnetHdrLen: number,
    /** Arrival time (ms, injected clock), for the timeout scan and the release latency. */
    readonly arrival: number,
    /** The compared region [start, end) inside `frame`. */
    readonly start: number,
    readonly end: number,
    /** TCP: sequence number of the first payload byte, in the primary's sequence space. */
    public seq: number,
    /** TCP: payload length. */
    readonly len: number,
    /** TCP: acknowledgement number and flag bits. */
    readonly ack: number,
    readonly flags: number,
  ) {}
}

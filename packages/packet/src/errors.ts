/** Base class of every error @colod/packet throws; `code` is stable, match on it rather than the message. */
export class PacketError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
    this.code = code;
  }
}

/** A FrameSpec (or ARP/IPv6 spec) field is not usable: bad address text, out-of-range number, etc. */
export class FrameSpecError extends PacketError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_PACKET_FRAME_SPEC", message, options);
  }
}

/** A pcap record cannot be written (frame too large for the snap length, bad timestamp). */
export class PcapError extends PacketError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_PACKET_PCAP", message, options);
  }
}

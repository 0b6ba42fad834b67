/** Base class of every error thrown or reported by @colod/wire; `code` is stable, messages are for people. */
export class WireError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A frame announced a `len` above the limit: the stream cannot be resynchronised, close that connection. */
export class OversizeFrameError extends WireError {
  readonly length: number;
  readonly limit: number;
  constructor(length: number, limit: number, where = "stream") {
    super(
      "ERR_WIRE_OVERSIZE_FRAME",
      `${where}: frame length ${length} exceeds the limit of ${limit} bytes; closing the connection (is vnet_hdr_support set the same way at both ends?)`,
    );
    this.length = length;
    this.limit = limit;
  }
}

/** A frame with `len` = 0: it carries nothing, so it is counted and skipped (QEMU 7.2 aborts on it). */
export class ZeroLengthFrameError extends WireError {
  constructor(where = "stream") {
    super("ERR_WIRE_ZERO_LENGTH_FRAME", `${where}: zero-length frame ignored`);
  }
}

/** An endpoint spec (`unix:`, `tcp:`, `tap:`) that does not parse; the message names the spec and the fix. */
export class EndpointError extends WireError {
  readonly spec: string;
  constructor(spec: string, message: string) {
    super("ERR_WIRE_ENDPOINT", `invalid endpoint "${spec}": ${message}`);
    this.spec = spec;
  }
}

/** A payload that cannot be encoded (empty, or longer than the frame limit). */
export class EncodeError extends WireError {
  constructor(message: string) {
    super("ERR_WIRE_ENCODE", message);
  }
}
